import { DEFAULT_TENANT } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { ApiClient } from '../support/api-client';
import { epochMs } from '../support/clock';
import { latencyFigures } from '../support/figures';
import { startInProcessPlatform } from '../support/in-process-platform';
import { sendOnClock, sendOutcome } from '../support/open-loop';
import { distribution, formatCount, formatMs } from '../support/stats';
import { Measurement } from '../suite';

export const FRESHNESS_RATE = 500;
const SECONDS = 30;
/**
 * Changes per request. One asset a request tops out near 80 requests/s on this machine, with or
 * without the indexer (measured): a tenant's writes take its sequence row lock until they commit,
 * so they commit one after the other, each with its own WAL flush. A producer sending 500 changes/s
 * batches them, as the Monte Carlo path and every bulk client does.
 */
const ASSETS_PER_REQUEST = 10;
const MAX_IN_FLIGHT = 16;
const POLL_MS = 20;
const TARGET_P99_MS = 2000;
/** After the last creation, how long the store may take to count them all before the run fails. */
const DRAIN_DEADLINE_MS = 120_000;

/**
 * Commit → visible in the analytics store, on the all-in-one platform (`npm start`'s composition:
 * api, ingestor, propagator, indexer and the embedded ClickHouse engine in one process): new assets
 * created at FRESHNESS_RATE a second, ASSETS_PER_REQUEST a request, open loop, while the store's
 * asset count is polled. Asset i is visible at the first poll that counts at least i + 1 assets (the indexer
 * applies a tenant's changes in order); its latency runs from when its request was sent, which is
 * before its commit, so the figure errs long.
 */
export async function measureFreshness(progress: (line: string) => void): Promise<Measurement[]> {
  progress(`freshness: ${FRESHNESS_RATE} asset creations/s for ${SECONDS} s on the all-in-one platform`);
  const platform = await startInProcessPlatform(platformApp);
  try {
    const store = platform.runtime.analytics;
    if (!store) throw new Error('the all-in-one platform opened no analytics store');
    const api = new ApiClient(platform.baseUrl, platform.adminKey);
    const base = (await store.counts(DEFAULT_TENANT)).assets;
    const count = FRESHNESS_RATE * SECONDS;
    const visibleAt = new Float64Array(count);
    let seen = 0;
    let polling = true;
    const poller = (async () => {
      while (polling || seen < count) {
        const stored = (await store.counts(DEFAULT_TENANT)).assets - base;
        const at = epochMs();
        for (; seen < Math.min(stored, count); seen++) visibleAt[seen] = at;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    const requests = count / ASSETS_PER_REQUEST;
    const bodies = Array.from({ length: requests }, (_, r) => JSON.stringify({ assets: Array.from({ length: ASSETS_PER_REQUEST },
      (__, i) => ({ qualifiedName: `bench/fresh/${String(r * ASSETS_PER_REQUEST + i).padStart(6, '0')}`, typeName: 'Table' })) }));
    const times = await sendOnClock(requests, FRESHNESS_RATE / ASSETS_PER_REQUEST, MAX_IN_FLIGHT, (r, answered) => {
      api.put('/v1/assets', bodies[r]).then(() => answered(200), () => answered(0));
    });
    const outcome = sendOutcome(times, FRESHNESS_RATE / ASSETS_PER_REQUEST, 200);
    if (outcome.failures.size > 0) throw new Error(`freshness: requests failed: ${JSON.stringify([...outcome.failures])}`);
    const deadline = epochMs() + DRAIN_DEADLINE_MS;
    while (seen < count && epochMs() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
    polling = false;
    if (seen < count) throw new Error(`freshness: the store counted ${seen} of ${count} new assets ${DRAIN_DEADLINE_MS / 1000} s after the last request`);
    await poller;
    // requests race each other to commit: order the send times as the commits were counted, earliest first
    const sent = [...times.sentAt].flatMap((at) => Array<number>(ASSETS_PER_REQUEST).fill(at)).sort((a, b) => a - b);
    const latency = distribution(sent.map((s, i) => visibleAt[i] - s));
    const name = `freshness, commit → visible at ${FRESHNESS_RATE} changes/s`;
    return [{
      figures: latencyFigures('freshness', name, latency, { p: 'p99', ms: TARGET_P99_MS }),
      name: `freshness, commit → visible at ${FRESHNESS_RATE} changes/s (${ASSETS_PER_REQUEST} a request; achieved `
        + `${formatCount(outcome.achievedRate * ASSETS_PER_REQUEST)}/s, ${formatCount(count)} changes)`,
      value: `p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}, max ${formatMs(latency.max)}`,
      target: { text: `p99 ≤ ${TARGET_P99_MS} ms`, met: latency.p99 <= TARGET_P99_MS },
    }];
  } finally {
    await platform.stop();
  }
}
