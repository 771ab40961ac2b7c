import type { AtlasFake } from '../fakes/atlas-fake';
import type { TestApp } from '../test-app';
import { waitFor } from '../wait-for';

export interface BridgeQuietOptions {
  /** what the fake has handed on and is still being delivered (its notification chain), awaited at each look */
  pending: () => Promise<unknown>;
  /** how long nothing may move */
  quietMs: number;
  /** how long to wait for that at the most */
  deadlineMs: number;
  /** more the loop may still be doing that neither the feed nor the fake shows (e.g. the ingestor's backlog) */
  busy?: () => Promise<boolean>;
}

/**
 * For a test of the bridge's whole loop (catalog fake → Tributary → write-back to the fake): a wait
 * until it has gone quiet, i.e. nothing moves for `quietMs`: no new event in the tenant's change feed,
 * no new write to the fake, nothing pending or `busy`. Each call starts from the feed's end as the last
 * call left it.
 */
export function bridgeQuiet(t: TestApp, fake: AtlasFake, options: BridgeQuietOptions): () => Promise<void> {
  let feedCursor = 0;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  /** how many change events came since the last look */
  const newChanges = async () => {
    let count = 0;
    for (;;) {
      const page = (await t.http().get(`/v1/changes?after=${feedCursor}&limit=500`).set(auth()).expect(200)).body as { items: unknown[]; next: number };
      count += page.items.length;
      if (page.items.length === 0) return count;
      feedCursor = page.next;
    }
  };
  return async () => {
    await newChanges();
    let writes = fake.writes().length;
    let stillSince = Date.now();
    await waitFor('the loop to go quiet', async () => {
      await options.pending();
      const moved = await newChanges() > 0 || fake.writes().length !== writes || (await options.busy?.() ?? false);
      if (moved) {
        writes = fake.writes().length;
        stillSince = Date.now();
        return undefined;
      }
      return Date.now() - stillSince >= options.quietMs ? true : undefined;
    }, options.deadlineMs);
  };
}
