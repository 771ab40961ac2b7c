import { Runtime } from '@tributary/platform';
import { ApiClient } from '../support/api-client';
import { epochMs } from '../support/clock';
import { coresBetween, ProcessUsage } from '../support/process-usage';
import { FanOutTimeline, readTimeline } from './fan-out-timeline';
import { describeBacklog, waitUntilSettled } from './propagator-backlog';
import { Milestones, watchTagProgress } from './tag-progress';
import { ApiCheck, TaggedExpectation, verifyTagged, verifyUntagged } from './verify-tags';

/** How long a change may take to reach every descendant, or the propagator to settle, before the run fails: far beyond the targets. */
const LIMIT_MS = 120_000;

export interface PropagationRig {
  runtime: Runtime;
  api: ApiClient;
  root: { id: number; name: string };
  expected: TaggedExpectation;
}

export interface ChangeResult {
  /** The API request that made the change, until its 200. */
  requestMs: number;
  milestones: Milestones;
  api: ApiCheck;
  timeline: FanOutTimeline;
  /** Average cores in use from the request until every descendant showed the change. */
  cores: { node: number; postgres: number };
  peakRssBytes: number;
}

/**
 * Makes one change to the root's tag through the API (add with propagate=true, or remove) and
 * times it from the 200 on: the count of descendants showing it (50 %, 99 %, 100 %), then the
 * API's confirmation of every descendant. Then waits for the propagator to settle (it also
 * consumes the change events the fan-out wrote) and reads from the store where the time went.
 * Nothing else reads the store while the count runs: the backlog's counts would slow what they watch.
 */
export async function measureChange(rig: PropagationRig, change: 'add' | 'remove', progress: (line: string) => void): Promise<ChangeResult> {
  const { runtime, api, root, expected } = rig;
  const usage = await ProcessUsage.start(runtime.database);
  try {
    const before = usage.cpu();
    const sentAt = epochMs();
    const tagPath = `/v1/assets/${encodeURIComponent(root.name)}/classifications`;
    if (change === 'add') await api.post(tagPath, JSON.stringify({ name: expected.tag, propagate: true }));
    else await api.delete(`${tagPath}/${encodeURIComponent(expected.tag)}`);
    const t0 = epochMs();
    const milestones = await watchTagProgress(runtime.database,
      { sourceId: root.id, tag: expected.tag, descendants: expected.depths.size, target: change === 'add' ? expected.depths.size : 0 }, t0, LIMIT_MS);
    const cores = coresBetween(before, usage.cpu());
    const check = change === 'add' ? await verifyTagged(api, expected, t0) : await verifyUntagged(api, expected, t0);
    await waitUntilSettled(runtime, LIMIT_MS, (backlog) => progress(`  still ${describeBacklog(backlog)}`));
    const timeline = await readTimeline(runtime.database, root, expected.tag, sentAt, t0);
    return { requestMs: t0 - sentAt, milestones, api: check, timeline, cores, peakRssBytes: usage.peakRssBytes() };
  } finally {
    usage.stop();
  }
}
