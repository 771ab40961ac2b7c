import { Runtime } from '@tributary/platform';
import { ServerRepository } from '@tributary/store';
import { ApiClient } from '../support/api-client';
import { formatCount, formatMs } from '../support/stats';
import { ProcessUsage } from '../support/process-usage';
import { AppliedWatcher } from './applied-watcher';
import { setUpCatalog, TABLES } from './inbound-fixture';
import { LoadRig, PhaseResult, runPhase } from './load-phase';
import { phaseSummary } from './phase-summary';
import { waitForPropagation } from './propagation-backlog';
import { SearchStep, searchThroughput } from './throughput-search';
import { IngestCheck, verifyIngest } from './verify-ingest';
import { WebhookPlanner } from './webhook-plan';
import { startWebhookSender, WebhookSender } from './webhook-sender';

/** How long the seeding's propagation work may take to finish before the measured phases start. */
export const SETTLE_LIMIT_MS = 30_000;
/**
 * A bound on the client's concurrency (a real sender has one too), high enough that the generator
 * keeps its clock unless answers take over a quarter of a second at 1,000/s: then it holds webhooks
 * back, and the step fails as not keeping the rate.
 */
export const MAX_IN_FLIGHT = 256;
const RANDOM_SEED = 20_262;

export interface Rate {
  ratePerSecond: number;
  seconds: number;
}

/** The phases of an inbound run, in the order they run. */
export interface InboundPhases {
  /** Openings only (nothing to update yet): incidents for the phases after it to update. */
  seed: Rate;
  warmUp: Rate;
  /** The phase whose latency is reported. */
  steady: Rate;
  /** The throughput search's rates, each for `stepSeconds`, up to the first not sustained. */
  rates: readonly number[];
  stepSeconds: number;
}

/** A platform serving the API, whichever way it runs (in this process, or as processes on the engines). */
export interface InboundTarget {
  baseUrl: string;
  /** Admin of tenant `default`. */
  adminKey: string;
  /** The platform's runtime, or one on the same database, log and queue: the bench reads the store, lags and queue depths through it. */
  runtime: Runtime;
  /** The Prometheus exposition of the process running the ingestor. */
  ingestorMetrics: () => Promise<string>;
  usage: ProcessUsage;
  /** Names the benchmark's own process in CPU splits. */
  self?: string;
}

export interface InboundRun {
  steady: PhaseResult;
  steps: SearchStep[];
  check: IngestCheck;
  postgresVersion: string;
}

/**
 * Monte Carlo webhooks into a platform, end to end: the catalog and a connector through the API,
 * then seeding, warm-up, a steady phase for latency and a throughput search, and at the end the
 * check that every accepted webhook was applied.
 */
export async function runInbound(target: InboundTarget, phases: InboundPhases, progress: (line: string) => void): Promise<InboundRun> {
  const { database, eventLog } = target.runtime;
  let sender: WebhookSender | undefined;
  let watcher: AppliedWatcher | undefined;
  try {
    const api = new ApiClient(target.baseUrl, target.adminKey);
    progress(`creating ${formatCount(TABLES)} table assets and a Monte Carlo connector`);
    const connector = await setUpCatalog(api);
    watcher = await AppliedWatcher.start(database);
    sender = startWebhookSender({ baseUrl: target.baseUrl, maxInFlight: MAX_IN_FLIGHT });
    const rig: LoadRig = {
      sender, watcher, usage: target.usage, runtime: target.runtime, ingestorMetrics: target.ingestorMetrics,
      planner: new WebhookPlanner(connector.signingSecret, RANDOM_SEED), webhookPath: connector.webhookPath, incidents: new Map(), acceptedKeys: [],
    };
    const phase = async (what: string, { ratePerSecond, seconds }: Rate) => {
      progress(`${what}: ${ratePerSecond}/s for ${seconds} s`);
      const result = await runPhase(rig, ratePerSecond, seconds);
      progress(`  ${phaseSummary(result, target.self)}`);
      return result;
    };
    await phase('seeding incidents (all openings)', phases.seed);
    const settledMs = await waitForPropagation(target.runtime, SETTLE_LIMIT_MS);
    progress(`  propagator ${settledMs === null ? `still busy after ${SETTLE_LIMIT_MS / 1000} s` : `idle after ${formatMs(settledMs)}`}`);
    // What autovacuum does within a minute or two on a running platform; done here so that the
    // measured phases do not depend on when it happens to run.
    await new ServerRepository(database).analyze({ vacuum: false });
    await phase('warm-up', phases.warmUp);
    const steady = await phase('steady', phases.steady);
    progress(`throughput search: ${phases.rates.join(', ')}/s for ${phases.stepSeconds} s each, until one is not sustained`);
    const steps = await searchThroughput(phases.rates, (rate) => runPhase(rig, rate, phases.stepSeconds),
      (step) => progress(`  ${phaseSummary(step.result, target.self)}${step.shortfalls.length > 0 ? `; NOT SUSTAINED: ${step.shortfalls.join('; ')}` : ''}`));
    progress('checking that every accepted webhook was applied');
    const check = await verifyIngest(database, api, eventLog, watcher, { acceptedKeys: rig.acceptedKeys, openings: rig.incidents.size });
    return { steady, steps, check, postgresVersion: await new ServerRepository(database).version() };
  } finally {
    await sender?.close();
    await watcher?.stop();
  }
}
