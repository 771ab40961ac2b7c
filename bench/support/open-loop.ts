import { epochMs } from './clock';

/** Headroom between receiving a run and its first item, so that the first ones are not late. */
const START_DELAY_MS = 20;

/** Per item, in run order: epoch milliseconds (see `epochMs`), and the outcome (202 for a webhook; 0: failed). */
export interface SendTimes {
  scheduledAt: Float64Array;
  sentAt: Float64Array;
  answeredAt: Float64Array;
  status: Uint16Array;
}

/**
 * Sends item i at start + i/rate (open loop: the schedule does not wait for answers), with at most
 * `maxInFlight` outstanding. An item held back by that bound goes as soon as a slot frees; its
 * scheduled time stays what it was, so the wait counts in its latency. `send` calls `answered` once
 * with the item's outcome.
 */
export function sendOnClock(count: number, ratePerSecond: number, maxInFlight: number,
  send: (i: number, answered: (status: number) => void) => void): Promise<SendTimes> {
  const times: SendTimes = {
    scheduledAt: new Float64Array(count), sentAt: new Float64Array(count), answeredAt: new Float64Array(count), status: new Uint16Array(count),
  };
  const interval = 1000 / ratePerSecond;
  const start = epochMs() + START_DELAY_MS;
  let next = 0;
  let inFlight = 0;
  let answered = 0;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    const pump = () => {
      timer = undefined;
      while (next < count && inFlight < maxInFlight && start + next * interval <= epochMs()) dispatch(next++);
      if (next < count && inFlight < maxInFlight) timer = setTimeout(pump, start + next * interval - epochMs());
    };
    const dispatch = (i: number) => {
      inFlight += 1;
      times.scheduledAt[i] = start + i * interval;
      times.sentAt[i] = epochMs();
      send(i, (status) => {
        times.answeredAt[i] = epochMs();
        times.status[i] = status;
        inFlight -= 1;
        answered += 1;
        if (answered === count) resolve(times);
        else if (timer === undefined) pump();
      });
    };
    pump();
  });
}

/** How a run went on the sender's side. */
export interface SendOutcome {
  sent: number;
  /** Items not answered with the `ok` status, by status. */
  failures: Map<number, number>;
  /** Items over the time from the first scheduled send to the last actual one. */
  achievedRate: number;
  /** Most an item was sent after its scheduled time (the in-flight bound, or the generator falling behind). */
  maxSendDelayMs: number;
  /** When the last item went, in epoch milliseconds. */
  lastSent: number;
}

export function sendOutcome(times: SendTimes, ratePerSecond: number, ok: number): SendOutcome {
  const failures = new Map<number, number>();
  times.status.forEach((status) => { if (status !== ok) failures.set(status, (failures.get(status) ?? 0) + 1); });
  const lastSent = times.sentAt.reduce((a, b) => Math.max(a, b));
  return {
    sent: times.status.length, failures, lastSent,
    achievedRate: times.status.length / ((lastSent - times.scheduledAt[0]) / 1000 + 1 / ratePerSecond),
    maxSendDelayMs: times.sentAt.reduce((most, sent, i) => Math.max(most, sent - times.scheduledAt[i]), 0),
  };
}
