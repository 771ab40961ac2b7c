import { randomBytes } from 'node:crypto';
import { loadConfig } from '@tributary/config';
import { Metrics } from '@tributary/observability';
import { platformApp } from '../apps/platform/src/platform.app';
import { startDistributedPlatform } from './distributed/distributed-platform';
import { acquireEngines } from './distributed/engines';
import { KafkaLoop, LoopResult } from './distributed/kafka-loop';
import { POLL_MS } from './inbound/applied-watcher';
import { TABLES } from './inbound/inbound-fixture';
import { InboundPhases, InboundRun, MAX_IN_FLIGHT, Rate, runInbound } from './inbound/inbound-run';
import { cpuSplit, phaseSummary, spread } from './inbound/phase-summary';
import { highestSustained, SEARCH_RATES, searchThroughput, SearchStep, StepOutcome, STEP_SECONDS } from './inbound/throughput-search';
import { NEW_INCIDENT_SHARE } from './inbound/webhook-plan';
import { markdownTable } from './report';
import { DRAIN_LIMIT_MS } from './support/arrivals';
import { figure, latencyFigures, processUses } from './support/figures';
import { startInProcessPlatform } from './support/in-process-platform';
import { ProcessUsage } from './support/process-usage';
import { Distribution, formatCount, formatMs } from './support/stats';
import { BenchSuite, Measurement } from './suite';

/** BENCH_QUICK=1 shortens every phase to a few seconds: for trying the suite out, never for the record. */
const QUICK = process.env.BENCH_QUICK === '1';
const STEADY_RATE = 500;
const PHASES: InboundPhases = QUICK
  ? { seed: { ratePerSecond: 400, seconds: 2 }, warmUp: { ratePerSecond: 100, seconds: 2 }, steady: { ratePerSecond: STEADY_RATE, seconds: 5 },
    rates: SEARCH_RATES, stepSeconds: 4 }
  : { seed: { ratePerSecond: 400, seconds: 5 }, warmUp: { ratePerSecond: 100, seconds: 5 }, steady: { ratePerSecond: STEADY_RATE, seconds: 30 },
    rates: SEARCH_RATES, stepSeconds: STEP_SECONDS };
/** The bare loop goes higher (the broker alone is far faster) in shorter steps, so that the suite stays within ten minutes. */
const LOOP: { warmUp: Rate; steady: Rate; rates: number[]; stepSeconds: number } = {
  warmUp: { ratePerSecond: 100, seconds: QUICK ? 2 : 5 }, steady: { ratePerSecond: STEADY_RATE, seconds: QUICK ? 5 : 30 },
  rates: [...SEARCH_RATES, 4000, 6000, 8000, 12_000], stepSeconds: QUICK ? 4 : 10,
};

const TARGET_EVENTS_PER_SECOND = 2000;
const TARGET_P99_MS = 1000;

/** One row of the comparison. */
interface ModeResult {
  mode: string;
  steady: { latency: Distribution };
  steps: SearchStep<StepOutcome>[];
}

/**
 * The distributed path on this machine's engines, beside the embedded mode and a bare kafkajs loop:
 * api, ingestor and propagator as three processes on Kafka, Redis (BullMQ) and the machine's
 * PostgreSQL take the inbound suite's Monte Carlo webhooks at a steady 500/s (latency: webhook sent →
 * asset updated) and then in rising steps (the highest rate sustained); the embedded platform, in
 * this process on its embedded PostgreSQL, runs the same phases; a bare kafkajs produce/consume loop
 * on the same broker, with records like the api's, gives the ceiling. `npm run bench -- distributed`;
 * with BENCH_QUICK=1 every phase lasts seconds (for development; the numbers then mean little).
 */
export const distributedSuite: BenchSuite = {
  id: 'distributed',
  title: 'Distributed: the inbound path on Kafka, Redis and PostgreSQL, beside embedded and a bare kafkajs loop',
  run: async (progress) => {
    const engines = await acquireEngines(progress);
    try {
      progress('distributed: api, ingestor and propagator processes (dist/) on the engines, change relay');
      const distributed = await runDistributed(engines.env, engines.pids, progress);
      progress('embedded: the platform app in this process on an embedded PostgreSQL');
      const embedded = await runEmbedded(progress);
      progress('bare kafkajs loop on the same broker');
      const loop = await runLoop(engines.env, engines.pids, progress);
      const modes: ModeResult[] = [
        { mode: 'distributed (3 processes, Kafka, Redis, PostgreSQL)', steady: { latency: distributed.steady.visible }, steps: distributed.steps },
        { mode: 'embedded (1 process, embedded PostgreSQL)', steady: { latency: embedded.steady.visible }, steps: embedded.steps },
        { mode: 'bare kafkajs produce → consume (the ceiling)', steady: { latency: loop.steady.latency }, steps: loop.steps },
      ];
      const table = { columns: ['mode', 'sustained events/s', `p50 at ${STEADY_RATE}/s`, `p99 at ${STEADY_RATE}/s`, 'targets met'],
        rows: modes.map((m, i) => tableRow(m, i === 0)) };
      progress(`\n${markdownTable(table.columns, table.rows)}`);
      return {
        postgresVersion: distributed.postgresVersion,
        parameters: parameters(),
        table,
        measurements: [
          ...targetMeasurements(modes[0]),
          ...modeMeasurements('distributed', distributed, 'bench'),
          ...modeMeasurements('embedded', embedded, 'Node'),
          { name: `bare loop: produce → consumed, at ${STEADY_RATE}/s`, value: `${spread(loop.steady.latency)}; send → acked p99 ${formatMs(loop.steady.ack.p99)}; `
            + `CPU ${cpuSplit(loop.steady.cpu, 'bench (producer thread, consumer)')}` },
          ...loop.steps.map((s) => ({ name: `bare loop: step ${formatCount(s.result.ratePerSecond)}/s × ${s.result.seconds} s`,
            value: `${verdict(s)}; p50 ${formatMs(s.result.latency.p50)}, p99 ${formatMs(s.result.latency.p99)}; CPU ${cpuSplit(s.result.cpu, 'bench')}` })),
        ],
        figures: [
          ...modeFigures('distributed', modes[0], { events: TARGET_EVENTS_PER_SECOND, p99: TARGET_P99_MS }),
          ...modeFigures('embedded', modes[1]),
          ...modeFigures('bare-loop', modes[2]),
        ],
        processes: [
          ...processUses({ key: 'distributed.steady', phase: `distributed, ${STEADY_RATE}/s for ${PHASES.steady.seconds} s (steady)`,
            cpu: distributed.steady.cpu, seconds: distributed.steady.seconds, events: distributed.steady.accepted, peaks: distributed.peaks,
            self: { process: 'bench', note: 'the load generator and observer only (not part of a deployment)' } }),
          ...processUses({ key: 'embedded.steady', phase: `embedded, ${STEADY_RATE}/s for ${PHASES.steady.seconds} s (steady)`,
            cpu: embedded.steady.cpu, seconds: embedded.steady.seconds, events: embedded.steady.accepted,
            self: { process: 'platform', note: 'api, ingestor and propagator in one Node process, with the load generator and observer',
              peakRssBytes: embedded.peaks.platform } }),
        ],
        notes: notes(engines.pids),
      };
    } finally {
      await engines.release();
    }
  },
};

/** An inbound run with the peak RSS of the processes it watched (by name) or of the bench process. */
type MeasuredRun = InboundRun & { peaks: Record<string, number> };

async function runDistributed(env: Record<string, string>, enginePids: Record<string, number>, progress: (line: string) => void): Promise<MeasuredRun> {
  const platform = await startDistributedPlatform(env, progress);
  const { api, ingestor, propagator } = platform.processes;
  const usage = await ProcessUsage.start(platform.runtime.database, { api: api.pid, ingestor: ingestor.pid, propagator: propagator.pid, ...enginePids });
  try {
    const run = await runInbound({ baseUrl: api.url, adminKey: platform.adminKey, runtime: platform.runtime, ingestorMetrics: () => ingestor.metrics(),
      usage, self: 'bench' }, PHASES, progress);
    return { ...run, peaks: usage.watchedPeakRss() };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${[api, ingestor, propagator].map((p) => p.output()).join('\n')}`);
  } finally {
    usage.stop();
    await platform.stop();
  }
}

async function runEmbedded(progress: (line: string) => void): Promise<MeasuredRun> {
  const platform = await startInProcessPlatform(platformApp);
  const usage = await ProcessUsage.start(platform.runtime.database);
  try {
    const metrics = platform.app.get(Metrics);
    const run = await runInbound({ baseUrl: platform.baseUrl, adminKey: platform.adminKey, runtime: platform.runtime,
      ingestorMetrics: () => metrics.registry.metrics(), usage }, PHASES, progress);
    return { ...run, peaks: { platform: usage.peakRssBytes() } };
  } finally {
    usage.stop();
    await platform.stop();
  }
}

async function runLoop(env: Record<string, string>, enginePids: Record<string, number>, progress: (line: string) => void) {
  const usage = ProcessUsage.watching(enginePids);
  const loop = await KafkaLoop.start({ brokers: env.KAFKA_BROKERS.split(','), topic: `tributary-bench-${randomBytes(4).toString('hex')}.bare-loop.v1`,
    partitions: loadConfig({}).kafkaPartitions, maxInFlight: MAX_IN_FLIGHT, usage });
  const phase = async (what: string, { ratePerSecond, seconds }: Rate) => {
    progress(`${what}: ${ratePerSecond}/s for ${seconds} s`);
    const result = await loop.runPhase(ratePerSecond, seconds);
    progress(`  ${loopSummary(result)}`);
    return result;
  };
  try {
    await phase('warm-up (the consumer joins its group)', LOOP.warmUp);
    const steady = await phase('steady', LOOP.steady);
    progress(`throughput search: ${LOOP.rates.join(', ')}/s for ${LOOP.stepSeconds} s each, until one is not sustained`);
    const steps = await searchThroughput(LOOP.rates, (rate) => loop.runPhase(rate, LOOP.stepSeconds),
      (step) => progress(`  ${loopSummary(step.result)}${step.shortfalls.length > 0 ? `; NOT SUSTAINED: ${step.shortfalls.join('; ')}` : ''}`));
    return { steady, steps };
  } finally {
    usage.stop();
    await loop.close();
  }
}

const loopSummary = (r: LoopResult) => `${formatCount(r.ratePerSecond)}/s: ${formatCount(r.accepted)}/${formatCount(r.sent)} acked, `
  + `sent at ${formatCount(r.achievedRate)}/s (max ${formatMs(r.maxSendDelayMs)} late); produce → consumed p50 ${formatMs(r.latency.p50)}, `
  + `p99 ${formatMs(r.latency.p99)}; acked p99 ${formatMs(r.ack.p99)}; backlog at end ${formatCount(r.backlogAtEnd)}, `
  + `${r.drainMs === null ? `not drained in ${DRAIN_LIMIT_MS / 1000} s` : `drained ${formatMs(r.drainMs)} after the last`}; CPU ${cpuSplit(r.cpu, 'bench')}`;

/** The highest sustained step ("≥" when even the last rate tried was sustained). */
function sustained<R extends StepOutcome>(steps: SearchStep<R>[]): { rate: number; text: string } {
  const best = highestSustained(steps);
  if (!best) return { rate: 0, text: `none (${formatCount(steps[0].result.ratePerSecond)}/s not sustained)` };
  const last = steps[steps.length - 1].shortfalls.length === 0;
  return { rate: best.ratePerSecond, text: `${last ? '≥ ' : ''}${formatCount(best.ratePerSecond)} (sent at ${formatCount(best.achievedRate)}/s)` };
}

function tableRow(m: ModeResult, withTargets: boolean): string[] {
  const met = withTargets ? targetMeasurements(m).map((t) => `${t.target!.text}: ${t.target!.met ? 'met' : '**not met**'}`).join('; ') : '—';
  return [m.mode, sustained(m.steps).text, formatMs(m.steady.latency.p50), formatMs(m.steady.latency.p99), met];
}

function targetMeasurements(m: ModeResult): Measurement[] {
  const { rate, text } = sustained(m.steps);
  return [
    { name: 'distributed: sustained Monte Carlo events/s (highest sustained step)', value: text,
      target: { text: `≥ ${formatCount(TARGET_EVENTS_PER_SECOND)} events/s`, met: rate >= TARGET_EVENTS_PER_SECOND } },
    { name: `distributed: webhook → asset updated, at ${STEADY_RATE}/s`, value: spread(m.steady.latency),
      target: { text: `p99 ≤ ${formatMs(TARGET_P99_MS)}`, met: m.steady.latency.p99 <= TARGET_P99_MS } },
  ];
}

function modeFigures(key: string, m: ModeResult, targets?: { events: number; p99: number }) {
  return [
    figure(`${key}.sustained.events-per-second`, `${m.mode}: sustained events/s (highest sustained step)`, highestSustained(m.steps)?.ratePerSecond ?? 0,
      'events/s', targets ? { op: '>=', value: targets.events } : undefined),
    ...latencyFigures(`${key}.steady.visible`, `${m.mode}: webhook → asset updated at ${STEADY_RATE}/s`, m.steady.latency,
      targets ? { p: 'p99', ms: targets.p99 } : undefined),
  ];
}

function modeMeasurements(mode: string, run: InboundRun, self: string): Measurement[] {
  return [
    { name: `${mode}: at ${STEADY_RATE}/s`, value: `request → updated ${spread(run.steady.visible)}; HTTP 202 p99 ${formatMs(run.steady.http.p99)}; `
      + `arrival → applied p99 ≤ ${formatMs(run.steady.receivedBound.p99)} (histogram bucket); CPU ${cpuSplit(run.steady.cpu, self)}` },
    ...run.steps.map((s) => ({ name: `${mode}: step ${formatCount(s.result.ratePerSecond)}/s × ${s.result.seconds} s`,
      value: `${verdict(s)}; ${phaseSummary(s.result, self)}` })),
    { name: `${mode}: every accepted webhook applied`,
      value: `${formatCount(run.check.states)} incident states (${formatCount(run.check.incidents)} incidents, each on its asset), 0 dead letters` },
  ];
}

const verdict = <R extends StepOutcome>(s: SearchStep<R>) => (s.shortfalls.length === 0 ? 'sustained' : `**not sustained**: ${s.shortfalls.join('; ')}`);

function parameters(): [string, string][] {
  const share = Math.round(NEW_INCIDENT_SHARE * 100);
  return [
    ['webhooks', `the inbound suite's: signed Monte Carlo v0.1 incident webhooks on ${formatCount(TABLES)} table assets, ${share}% new incidents, `
      + `the rest updates of applied ones; open loop from a worker thread, keep-alive HTTP on loopback, at most ${MAX_IN_FLIGHT} in flight`],
    ['phases (distributed and embedded alike)', `seeding ${PHASES.seed.ratePerSecond}/s × ${PHASES.seed.seconds} s and warm-up `
      + `${PHASES.warmUp.ratePerSecond}/s × ${PHASES.warmUp.seconds} s (not reported); steady ${STEADY_RATE}/s × ${PHASES.steady.seconds} s; `
      + `then ${PHASES.rates.map(formatCount).join(', ')}/s × ${PHASES.stepSeconds} s each, up to the first not sustained${QUICK ? ' (BENCH_QUICK)' : ''}`],
    ['distributed', 'api, ingestor and propagator as one process each (`node dist/apps/<app>/src/main.js`, default configuration: pool of 10 '
      + `connections per process), KafkaEventLog on the engines' Kafka (${loadConfig({}).kafkaPartitions} partitions per topic, single-object Avro, no schema registry), `
      + 'BullMQ on Redis, the machine\'s PostgreSQL (a fresh database), change capture by the propagator\'s relay (not Debezium)'],
    ['embedded', 'the platform app (api, ingestor, propagator in one process, as `npm start`) in the bench process on its embedded PostgreSQL'],
    ['rules (both modes)', 'the three built-in rules on, as every tenant has them, and no other; no lineage, so nothing propagates'],
    ['bare kafkajs loop', `a topic of as many partitions as the platform's (${loadConfig({}).kafkaPartitions}) on the same broker; records of an Avro InboundDelivery around the same webhooks, with the `
      + `api's key and headers; one idempotent acks=all send per record (maxInFlightRequests 1, as KafkaEventLog) from a worker thread, `
      + `at most ${MAX_IN_FLIGHT} outstanding; a consumer group committing after each batch. Warm-up ${LOOP.warmUp.ratePerSecond}/s × `
      + `${LOOP.warmUp.seconds} s, steady ${STEADY_RATE}/s × ${LOOP.steady.seconds} s, then ${LOOP.rates.map(formatCount).join(', ')}/s × `
      + `${LOOP.stepSeconds} s each`],
  ];
}

function notes(enginePids: Record<string, number>): string[] {
  return [
    'Latency runs from a webhook\'s scheduled send to an observer in the bench process seeing its incident change in the tenant change '
      + `feed (read every ${POLL_MS} ms through ChangeFeedService; it commits with the incident and its asset link); for the bare loop, from `
      + 'a record\'s scheduled send to the consumer receiving it. A step is sustained as the inbound suite defines it: every event accepted, '
      + `the generator at ≥ 97% of the rate, at most one second of load unapplied when sending stopped, all applied within ${DRAIN_LIMIT_MS / 1000} s.`,
    'Everything shares the machine\'s cores: in distributed mode the three app processes, the bench process (load generator thread, observer, '
      + `lag and queue reads), Kafka, Redis, PostgreSQL${enginePids.Kafka ? '' : ' (Kafka\'s pid not found: its CPU is in "other processes")'}, `
      + 'and the idle Kafka Connect and schema registry; "other processes" includes those and whatever else runs on the machine. CPU is '
      + 'averaged over each phase\'s sending time, from /proc.',
    'The modes run one after the other (distributed, embedded, bare loop) in one suite run, so they see the same machine; the engines '
      + 'stay up during the embedded phases (idle). In the distributed run the bench reads lags and queue depths through its own runtime on '
      + 'the same database, topics and queues; the propagator also works (relay, built-in incident rule, fan-out jobs without lineage).',
    'The embedded row measures the same phases as the inbound suite at a higher steady rate (500/s rather than 200/s); its own section has '
      + 'the inbound targets.',
  ];
}
