/**
 * One call at a time, many callers each: a call made while one is in progress waits, and the calls
 * waiting then go together into the next (whole calls, in arrival order, while `fits` says the next
 * one still fits the group). Each caller's promise settles with the group's outcome. On two cores
 * every produce request and every store transaction costs system calls and a round trip of its own
 * (a socket write is tens of microseconds on this kind of machine): at hundreds of events a second,
 * paying them per group rather than per caller is most of the difference.
 */
export class GroupedCalls<T> {
  private waiting: { item: T; done: (err?: unknown) => void }[] = [];
  private running = false;

  /** `lingerMs`: how long each group waits for more calls before it runs (0: until the end of the current turn). */
  constructor(private readonly run: (items: T[]) => Promise<void>, private readonly fits: (group: T[], next: T) => boolean,
    private readonly lingerMs = 0) {}

  call(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      // Calls made in the same turn of the event loop go together too (kafkajs hands out one fetch's
      // partition batches one after another; several HTTP requests are parsed in one turn).
      await new Promise((resolve) => (this.lingerMs > 0 ? setTimeout(resolve, this.lingerMs) : setImmediate(resolve)));
      const items = [this.waiting[0].item];
      while (items.length < this.waiting.length && this.fits(items, this.waiting[items.length].item)) items.push(this.waiting[items.length].item);
      const group = this.waiting.splice(0, items.length);
      try {
        await this.run(items);
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.done(err);
      }
    }
    this.running = false;
  }
}
