import { WebhookPlanner } from '../inbound/webhook-plan';
import { startWebhookSender } from '../inbound/webhook-sender';
import { MonteCarloConnector } from '../inbound/inbound-fixture';
import { epochMs } from '../support/clock';
import { latencyFigures } from '../support/figures';
import { sendOutcome } from '../support/open-loop';
import { distribution, formatCount, formatMs } from '../support/stats';
import { Measurement } from '../suite';

const MAX_IN_FLIGHT = 64;
const POLL_MS = 50;
/** After the last webhook, how long Druid may take to show them all before the run fails. */
const DRAIN_DEADLINE_MS = 120_000;
const TARGET_P99_MS = 5000;

export interface FreshnessRun {
  apiUrl: string;
  connector: MonteCarloConnector;
  /** one planner for every run against the same tenant: its incident ids go on counting, so each webhook opens a new incident */
  planner: WebhookPlanner;
  /** How many incidents Druid's trends show for the tenant now (what a dashboard would see). */
  visibleIncidents: () => Promise<number>;
  rates: number[];
  seconds: number;
  /** after the last webhook, how long Druid may take to show them all before the run fails (default DRAIN_DEADLINE_MS) */
  drainMs?: number;
}

/**
 * Webhook → visible in Druid's trends, at each rate in turn: every webhook opens a new incident;
 * Druid's count of incidents is polled every POLL_MS while they are sent (open loop, on a worker
 * thread's clock). Incidents commit and reach Druid out of send order, so the k-th incident counted
 * is paired with the k-th webhook sent; the time runs from the webhook's send (before its commit).
 */
export async function measureWebhookFreshness(run: FreshnessRun, progress: (line: string) => void): Promise<Measurement[]> {
  const sender = startWebhookSender({ baseUrl: run.apiUrl, maxInFlight: MAX_IN_FLIGHT });
  const measurements: Measurement[] = [];
  try {
    for (const rate of run.rates) {
      const count = rate * run.seconds;
      progress(`freshness: ${formatCount(count)} new-incident webhooks at ${rate}/s, Druid polled every ${POLL_MS} ms`);
      const webhooks = run.planner.plan(count, []).map((w) => ({ body: w.body, signature: w.signature }));
      const base = await run.visibleIncidents();
      const visibleAt = new Float64Array(count);
      let seen = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const visible = (await run.visibleIncidents()) - base;
          const at = epochMs();
          for (; seen < Math.min(visible, count); seen++) visibleAt[seen] = at;
          if (seen >= count) return;
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      })();
      const times = await sender.run({ path: run.connector.webhookPath, ratePerSecond: rate, webhooks });
      const outcome = sendOutcome(times, rate, 202);
      const drainMs = run.drainMs ?? DRAIN_DEADLINE_MS;
      const deadline = epochMs() + drainMs;
      while (seen < count && epochMs() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
      polling = false;
      await poller;
      if (outcome.failures.size > 0) throw new Error(`freshness at ${rate}/s: webhooks failed: ${JSON.stringify([...outcome.failures])}`);
      if (seen < count) throw new Error(`freshness at ${rate}/s: Druid showed ${seen} of ${count} incidents ${drainMs / 1000} s after the last webhook`);
      const sent = [...times.sentAt].sort((a, b) => a - b);
      const latency = distribution(sent.map((s, i) => visibleAt[i] - s));
      measurements.push({
        name: `webhook → visible in Druid's trends at ${rate} webhooks/s (achieved ${formatCount(outcome.achievedRate)}/s, ${formatCount(count)} incidents)`,
        value: `p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}, max ${formatMs(latency.max)}`,
        target: { text: `p99 ≤ ${TARGET_P99_MS} ms`, met: latency.p99 <= TARGET_P99_MS },
        figures: latencyFigures(`freshness.at-${rate}`, `webhook → visible in Druid's trends at ${rate} webhooks/s`, latency, { p: 'p99', ms: TARGET_P99_MS }),
      });
    }
    return measurements;
  } finally {
    await sender.close();
  }
}
