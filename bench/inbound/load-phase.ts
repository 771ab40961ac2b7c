import { performance } from 'node:perf_hooks';
import { INBOUND_STREAM } from '@tributary/ingest';
import { Metrics } from '@tributary/observability';
import { Runtime } from '@tributary/platform';
import { epochMs } from '../support/clock';
import { coresBetween, ProcessUsage } from '../support/process-usage';
import { Distribution, distribution } from '../support/stats';
import { AppliedWatcher } from './applied-watcher';
import { percentileBound, receivedToApplied } from './ingest-histogram';
import { PropagationBacklog, propagationBacklog } from './propagation-backlog';
import { KnownIncident, WebhookPlanner } from './webhook-plan';
import { WebhookSender } from './webhook-sender';

/** How long after its last webhook a phase waits for the ingestor to apply everything accepted. */
export const DRAIN_LIMIT_MS = 5000;
const DRAIN_POLL_MS = 20;

/** An incident opened by an accepted webhook, and the key of its latest accepted state. */
export interface TrackedIncident extends KnownIncident {
  latestKey: string;
}

/** What every phase works with; `incidents` and `acceptedKeys` grow with each phase. */
export interface LoadRig {
  sender: WebhookSender;
  watcher: AppliedWatcher;
  planner: WebhookPlanner;
  usage: ProcessUsage;
  metrics: Metrics;
  runtime: Runtime;
  webhookPath: string;
  /** Incidents whose opening was accepted, by id: what later phases update. */
  incidents: Map<string, TrackedIncident>;
  /** The state of every webhook accepted so far (see `appliedKey`), for the final check. */
  acceptedKeys: string[];
}

export interface PhaseResult {
  ratePerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  /** Webhooks not answered 202, by status (0: no answer). */
  failures: Map<number, number>;
  /** Webhooks over the time from the first scheduled send to the last actual one. */
  achievedRate: number;
  /** Most a webhook was sent after its scheduled time (the in-flight bound, or the generator falling behind). */
  maxSendDelayMs: number;
  /** Scheduled send → the change visible in the store, for accepted webhooks seen within the drain limit. */
  visible: Distribution;
  /** Accepted webhooks not visible within the drain limit. */
  unseen: number;
  /** Sent → 202 answered. */
  http: Distribution;
  /** Accepted webhooks not yet visible when the last one was sent. */
  backlogAtEnd: number;
  /** Last send → everything visible and the inbound log consumed; null when that took over DRAIN_LIMIT_MS. */
  drainMs: number | null;
  /** The platform's histogram from arrival to applied: bucket bounds, in milliseconds. */
  receivedBound: { p50: number; p99: number };
  /** Average cores used while sending, by the benchmark's processes and by the rest of the machine. */
  cpu: { node: number; postgres: number; others: number };
  /** Share of the sending time the main thread's event loop (the server's) was busy. */
  eventLoop: number;
  /** Time between the watcher's reads: the resolution of `visible`. */
  watcherGap: Distribution;
  /** What the propagator had left to do at the end of the drain. */
  propagation: PropagationBacklog;
}

/**
 * One phase of steady load: `ratePerSecond` webhooks a second for `seconds`, on the sender's clock,
 * then up to DRAIN_LIMIT_MS for the ingestor to catch up.
 */
export async function runPhase(rig: LoadRig, ratePerSecond: number, seconds: number): Promise<PhaseResult> {
  const updatable = [...rig.incidents.values()].filter((incident) => rig.watcher.visibleAt.has(incident.latestKey));
  const webhooks = rig.planner.plan(Math.round(ratePerSecond * seconds), updatable);
  rig.watcher.takeGaps();
  const histogramBefore = await receivedToApplied(rig.metrics);
  const cpuBefore = rig.usage.cpu();
  const loopBefore = performance.eventLoopUtilization();
  const times = await rig.sender.run({ path: rig.webhookPath, ratePerSecond, webhooks: webhooks.map(({ body, signature }) => ({ body, signature })) });
  const cpu = coresBetween(cpuBefore, rig.usage.cpu());
  const eventLoop = performance.eventLoopUtilization(loopBefore).utilization;
  const lastSent = times.sentAt.reduce((a, b) => Math.max(a, b));

  const accepted = webhooks.flatMap((w, i) => (times.status[i] === 202 ? [{ ...w, i }] : []));
  const drainMs = await waitForDrain(rig, accepted.map((w) => w.key), lastSent);
  const histogramAfter = await receivedToApplied(rig.metrics);
  const watcherGap = distribution(rig.watcher.takeGaps());
  const propagation = await propagationBacklog(rig.runtime);

  const failures = new Map<number, number>();
  times.status.forEach((status) => { if (status !== 202) failures.set(status, (failures.get(status) ?? 0) + 1); });
  const visibleMs: number[] = [];
  let backlogAtEnd = 0;
  for (const w of accepted) {
    const at = rig.watcher.visibleAt.get(w.key);
    if (at !== undefined) visibleMs.push(at - times.scheduledAt[w.i]);
    if (at === undefined || at > lastSent) backlogAtEnd += 1;
    rig.incidents.set(w.incident.incidentId, { ...w.incident, latestKey: w.key });
    rig.acceptedKeys.push(w.key);
  }
  return {
    ratePerSecond, seconds, sent: webhooks.length, accepted: accepted.length, failures,
    achievedRate: webhooks.length / ((lastSent - times.scheduledAt[0]) / 1000 + 1 / ratePerSecond),
    maxSendDelayMs: times.sentAt.reduce((most, sent, i) => Math.max(most, sent - times.scheduledAt[i]), 0),
    visible: distribution(visibleMs), unseen: accepted.length - visibleMs.length,
    http: distribution(accepted.map((w) => times.answeredAt[w.i] - times.sentAt[w.i])),
    backlogAtEnd, drainMs, cpu, eventLoop, watcherGap, propagation,
    receivedBound: { p50: percentileBound(histogramBefore, histogramAfter, 50), p99: percentileBound(histogramBefore, histogramAfter, 99) },
  };
}

/**
 * Waits until every accepted webhook is visible and the ingestor's offset has reached the end of the
 * inbound log; returns the time that took from the last send, or null past DRAIN_LIMIT_MS.
 */
async function waitForDrain(rig: LoadRig, keys: string[], lastSent: number): Promise<number | null> {
  let pending = keys;
  while (epochMs() - lastSent < DRAIN_LIMIT_MS) {
    pending = pending.filter((key) => !rig.watcher.visibleAt.has(key));
    if (pending.length === 0 && (await rig.runtime.eventLog.lag('ingestor', INBOUND_STREAM)) === 0) return epochMs() - lastSent;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  return null;
}
