import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeFeedItem, ChangeFeedService } from './change-feed.service';
import { ReadContext } from './write-context';

/** How long a drained stream waits before it reads the feed again. */
export const STREAM_POLL_MS = 500;
const PAGE = 500;

/**
 * The tenant's change feed as an endless stream: the events after `after`, in the feed's order, then
 * each new one as it is appended, until `signal` aborts. It reads the feed again every `pollMs` once
 * drained rather than waiting for a notification, because events are appended by whichever process
 * applies them (the ingestor, the propagator, another replica): an open stream costs one indexed
 * read per interval, which a console tab can afford, and an event is seen within `pollMs` of its
 * commit. A read that fails (the feed pruned past `after`: 410 `changes_pruned`) ends the stream
 * with that error.
 */
export async function* followChanges(feed: ChangeFeedService, ctx: ReadContext, after: number, signal: AbortSignal,
  pollMs = STREAM_POLL_MS): AsyncGenerator<ChangeFeedItem> {
  let cursor = after;
  while (!signal.aborted) {
    const page = await feed.read(ctx, cursor, PAGE);
    yield* page.items;
    cursor = page.next;
    if (page.items.length === PAGE) continue;
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return; // aborted: the client left
    }
  }
}
