import { ChangeFeedService } from '@tributary/catalog';
import { Database, DEFAULT_TENANT } from '@tributary/store';
import { epochMs } from '../support/clock';
import { appliedKey } from './webhook-plan';

/** Pause between reads of the change feed that found nothing more to read. */
export const POLL_MS = 10;
/** Events per read; a full page is followed by the next read at once. */
const PAGE = 5000;

/**
 * Sees webhooks take effect: reads the tenant's change feed (as a feed consumer would, through
 * ChangeFeedService) in a tight loop and notes when each incident state first appears. A change
 * event commits with the incident and asset changes it describes, so its appearance is the moment
 * the asset shows the incident. It is seen at the first read after its commit: the time between
 * reads is this measurement's resolution, and `takeGaps` reports it.
 */
export class AppliedWatcher {
  /** When each incident state (by {@link appliedKey}) first became visible, in epoch milliseconds. */
  readonly visibleAt = new Map<string, number>();
  private gaps: number[] = [];
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  private constructor(private readonly feed: ChangeFeedService, private after: number) {}

  /** Starts watching from the end of the feed: earlier events are not webhooks of this run. */
  static async start(database: Database): Promise<AppliedWatcher> {
    const feed = new ChangeFeedService(database);
    let after = 0;
    for (;;) {
      const page = await feed.read({ tenantId: DEFAULT_TENANT }, after, PAGE);
      after = page.next;
      if (page.items.length < PAGE) break;
    }
    const watcher = new AppliedWatcher(feed, after);
    watcher.loop = watcher.watch();
    // A failed read ends the loop: the phases then time out waiting, and `stop` rethrows the cause.
    watcher.loop.catch(() => undefined);
    return watcher;
  }

  /** The times between successive reads since the last call, in milliseconds. */
  takeGaps(): number[] {
    const gaps = this.gaps;
    this.gaps = [];
    return gaps;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async watch(): Promise<void> {
    let previous = epochMs();
    while (this.running) {
      const page = await this.feed.read({ tenantId: DEFAULT_TENANT }, this.after, PAGE);
      const readAt = epochMs();
      for (const event of page.items) {
        if (event.type !== 'incident.opened' && event.type !== 'incident.updated') continue;
        const state = event.data.after as { externalId: string; owner: string | null };
        const key = appliedKey(state.externalId, state.owner);
        if (!this.visibleAt.has(key)) this.visibleAt.set(key, readAt);
      }
      this.after = page.next;
      this.gaps.push(readAt - previous);
      previous = readAt;
      if (page.items.length < PAGE) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
