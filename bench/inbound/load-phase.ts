import { performance } from 'node:perf_hooks';
import { INBOUND_STREAM } from '@tributary/ingest';
import { Runtime } from '@tributary/platform';
import { arrivals, waitForDrain } from '../support/arrivals';
import { SendOutcome, sendOutcome } from '../support/open-loop';
import { coresBetween, CoresUsed, ProcessUsage } from '../support/process-usage';
import { Distribution, distribution } from '../support/stats';
import { AppliedWatcher } from './applied-watcher';
import { percentileBound, receivedToApplied } from './ingest-histogram';
import { PropagationBacklog, propagationBacklog } from './propagation-backlog';
import { KnownIncident, WebhookPlanner } from './webhook-plan';
import { WebhookSender } from './webhook-sender';

export { DRAIN_LIMIT_MS } from '../support/arrivals';

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
  /** The Prometheus exposition of the process that runs the ingestor, for its latency histogram. */
  ingestorMetrics: () => Promise<string>;
  /** Where the bench reads the logs' lag and the queues' depth: the platform's runtime, or one on the same engines. */
  runtime: Runtime;
  webhookPath: string;
  /** Incidents whose opening was accepted, by id: what later phases update. */
  incidents: Map<string, TrackedIncident>;
  /** The state of every webhook accepted so far (see `appliedKey`), for the final check. */
  acceptedKeys: string[];
}

/** The sender's side (`failures`: webhooks not answered 202, by status; 0: no answer), and what the phase measured. */
export interface PhaseResult extends SendOutcome {
  ratePerSecond: number;
  seconds: number;
  accepted: number;
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
  cpu: CoresUsed;
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
  const histogramBefore = receivedToApplied(await rig.ingestorMetrics());
  const cpuBefore = rig.usage.cpu();
  const loopBefore = performance.eventLoopUtilization();
  const times = await rig.sender.run({ path: rig.webhookPath, ratePerSecond, webhooks: webhooks.map(({ body, signature }) => ({ body, signature })) });
  const cpu = coresBetween(cpuBefore, rig.usage.cpu());
  const eventLoop = performance.eventLoopUtilization(loopBefore).utilization;
  const sending = sendOutcome(times, ratePerSecond, 202);

  const accepted = webhooks.flatMap((_, i) => (times.status[i] === 202 ? [i] : []));
  let pending = accepted.map((i) => webhooks[i].key);
  const drainMs = await waitForDrain(async () => {
    pending = pending.filter((key) => !rig.watcher.visibleAt.has(key));
    return pending.length === 0 && (await rig.runtime.eventLog.lag('ingestor', INBOUND_STREAM)) === 0;
  }, sending.lastSent);
  const histogramAfter = receivedToApplied(await rig.ingestorMetrics());
  const watcherGap = distribution(rig.watcher.takeGaps());
  const propagation = await propagationBacklog(rig.runtime);

  const seen = arrivals(times, accepted, (i) => rig.watcher.visibleAt.get(webhooks[i].key), sending.lastSent);
  for (const i of accepted) {
    rig.incidents.set(webhooks[i].incident.incidentId, { ...webhooks[i].incident, latestKey: webhooks[i].key });
    rig.acceptedKeys.push(webhooks[i].key);
  }
  return {
    ratePerSecond, seconds, ...sending, accepted: accepted.length,
    visible: seen.latency, unseen: seen.unseen, backlogAtEnd: seen.backlogAtEnd,
    http: distribution(accepted.map((i) => times.answeredAt[i] - times.sentAt[i])),
    drainMs, cpu, eventLoop, watcherGap, propagation,
    receivedBound: { p50: percentileBound(histogramBefore, histogramAfter, 50), p99: percentileBound(histogramBefore, histogramAfter, 99) },
  };
}
