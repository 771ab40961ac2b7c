import type { StoredBytes } from '@tributary/cost';
import { Metrics } from '@tributary/observability';
import { INBOUND_STREAM } from '@tributary/ingest';
import { Database, ServerRepository } from '@tributary/store';
import { platformApp } from '../apps/platform/src/platform.app';
import { POLL_MS } from './inbound/applied-watcher';
import { TABLES } from './inbound/inbound-fixture';
import { MAX_IN_FLIGHT, runInbound, SETTLE_LIMIT_MS } from './inbound/inbound-run';
import { DRAIN_LIMIT_MS, PhaseResult } from './inbound/load-phase';
import { cpuSplit, spread } from './inbound/phase-summary';
import { highestSustained, SEARCH_RATES, SearchStep, STEP_SECONDS } from './inbound/throughput-search';
import { NEW_INCIDENT_SHARE } from './inbound/webhook-plan';
import { figure, latencyFigures, postgresBytesPer, processUses } from './support/figures';
import { startInProcessPlatform } from './support/in-process-platform';
import { ProcessUsage } from './support/process-usage';
import { formatBytes, formatCount, formatMs } from './support/stats';
import { BenchSuite, Measurement } from './suite';

const SEED = { ratePerSecond: 400, seconds: 5 };
const WARM_UP = { ratePerSecond: 100, seconds: 5 };
const STEADY = { ratePerSecond: 200, seconds: 30 };

const TARGET_EVENTS_PER_SECOND = 1000;
const TARGET_P99_MS = 250;

/**
 * Monte Carlo webhooks into the catalog, end to end: signed webhooks over HTTP at a steady rate, into
 * the api (signature, validation, inbound log) and through the ingestor (normalize, map, apply) until
 * the asset shows the incident. First a steady 200/s for latency, then steps of rising rate for the
 * highest one the platform sustains.
 */
export const inboundSuite: BenchSuite = {
  id: 'inbound',
  title: 'Inbound: Monte Carlo webhooks to assets',
  run: async (progress) => {
    progress('starting the platform app (api, ingestor, propagator) on an embedded PostgreSQL');
    const platform = await startInProcessPlatform(platformApp);
    const usage = await ProcessUsage.start(platform.runtime.database);
    try {
      const metrics = platform.app.get(Metrics);
      const { steady, steps, check, postgresVersion } = await runInbound(
        { baseUrl: platform.baseUrl, adminKey: platform.adminKey, runtime: platform.runtime, ingestorMetrics: () => metrics.registry.metrics(), usage },
        { seed: SEED, warmUp: WARM_UP, steady: STEADY, rates: SEARCH_RATES, stepSeconds: STEP_SECONDS }, progress);
      const best = highestSustained(steps);
      const peakRssBytes = usage.peakRssBytes();
      const storage = await inboundStorage(platform.runtime.database);
      return {
        postgresVersion,
        parameters: parameters(),
        measurements: [
          throughputMeasurement(best, steps),
          ...phaseMeasurements(steady, `${STEADY.ratePerSecond}/s`, { text: `p99 ≤ ${TARGET_P99_MS} ms`, met: steady.visible.p99 <= TARGET_P99_MS }),
          ...(best ? phaseMeasurements(best, `${formatCount(best.ratePerSecond)}/s (highest sustained)`) : []),
          ...steps.map(stepMeasurement),
          { name: 'every accepted webhook applied',
            value: `${formatCount(check.states)} incident states (${formatCount(check.incidents)} incidents, each on its asset), 0 dead letters` },
          { name: 'peak RSS of the Node process during the suite', value: formatBytes(usage.peakRssBytes()) },
        ],
        figures: [
          figure('sustained.events-per-second', 'sustained inbound throughput (highest sustained step)', best?.ratePerSecond ?? 0, 'events/s',
            { op: '>=', value: TARGET_EVENTS_PER_SECOND }),
          ...phaseFigures('steady', steady, { p: 'p99', ms: TARGET_P99_MS }),
          ...(best ? phaseFigures('sustained', best) : []),
          figure('peak-rss.node', 'peak RSS of the Node process during the suite', peakRssBytes, 'bytes'),
        ],
        processes: [steady, ...(best ? [best] : [])].flatMap((r, i) => processUses({ key: i === 0 ? 'steady' : 'sustained',
          phase: `${r.ratePerSecond}/s for ${r.seconds} s${i === 0 ? ' (steady)' : ' (highest sustained step)'}`, cpu: r.cpu, seconds: r.seconds, events: r.accepted,
          self: { process: 'platform', note: 'api, ingestor and propagator in one Node process, with the load generator (a worker thread) and the observer', peakRssBytes } })),
        storage,
        notes: notes(),
      };
    } finally {
      usage.stop();
      await platform.stop();
    }
  },
};

/** The typed side of `phaseMeasurements`: latencies in ms, cores. */
function phaseFigures(key: string, r: PhaseResult, target?: { p: 'p99'; ms: number }) {
  const at = `at ${formatCount(r.ratePerSecond)}/s`;
  return [
    figure(`${key}.rate`, `webhooks sent a second, ${key}`, r.ratePerSecond, 'events/s'),
    ...latencyFigures(`${key}.visible`, `request → asset updated, ${at}`, r.visible, target),
    ...latencyFigures(`${key}.http`, `HTTP 202 (webhook logged), ${at}`, r.http),
    figure(`${key}.cores.node`, `Node process cores, ${at}`, r.cpu.node, 'cores'),
    figure(`${key}.cores.postgresql`, `PostgreSQL cores, ${at}`, r.cpu.postgres, 'cores'),
    figure(`${key}.cores.others`, `other processes' cores, ${at}`, r.cpu.others, 'cores'),
  ];
}

/**
 * What the run left in PostgreSQL, per record: everything an inbound event writes (its record in the
 * event log and those of its changes, its dedup key, the incident and its facts and asset links, the
 * change event and audit row) per inbound event, and the parts apart. The event log holds every
 * stream in one table: a log record is the average of the inbound and change records.
 */
async function inboundStorage(database: Database): Promise<StoredBytes[]> {
  const perEvent = ['event_log', 'processed_events', 'incidents', 'incident_facts', 'incident_assets', 'change_events', 'audit_log'];
  const inbound = { what: 'inbound event (event_log rows of the inbound stream)', records: await new ServerRepository(database).eventLogRecords(INBOUND_STREAM) };
  const measured = [
    await postgresBytesPer(database, 'postgresql.inbound-event', perEvent, inbound),
    await postgresBytesPer(database, 'postgresql.log-record', ['event_log'], 'event_log'),
    await postgresBytesPer(database, 'postgresql.incident', ['incidents', 'incident_facts', 'incident_assets'], 'incidents'),
    await postgresBytesPer(database, 'postgresql.change-event', ['change_events'], 'change_events'),
  ];
  return measured.filter((s) => s !== undefined);
}

function throughputMeasurement(best: PhaseResult | undefined, steps: SearchStep[]): Measurement {
  const stopped = steps.find((s) => s.shortfalls.length > 0);
  const value = best
    ? `${formatCount(best.ratePerSecond)} events/s for ${STEP_SECONDS} s (sent at ${formatCount(best.achievedRate)}/s; ${formatCount(best.accepted)} `
      + `webhooks, all applied ${formatMs(best.drainMs!)} after the last); `
      + `${stopped ? `${formatCount(stopped.result.ratePerSecond)}/s not sustained` : 'the highest rate tried'}`
    : `none: ${formatCount(SEARCH_RATES[0])}/s already not sustained`;
  const rate = best?.ratePerSecond ?? 0;
  return { name: 'sustained inbound throughput (highest sustained step)', value,
    target: { text: `≥ ${formatCount(TARGET_EVENTS_PER_SECOND)} events/s`, met: rate >= TARGET_EVENTS_PER_SECOND } };
}

function phaseMeasurements(r: PhaseResult, at: string, target?: Measurement['target']): Measurement[] {
  return [
    { name: `request → asset updated, at ${at}`, value: spread(r.visible), target },
    { name: `HTTP 202 (webhook logged), at ${at}`, value: spread(r.http) },
    { name: `arrival → applied (tributary_ingest_latency_seconds{from="received"}), at ${at}`,
      value: `p50 ≤ ${formatMs(r.receivedBound.p50)}, p99 ≤ ${formatMs(r.receivedBound.p99)} (bucket bounds)` },
    { name: `CPU, at ${at}`, value: `${cpuSplit(r.cpu)}; server event loop ${Math.round(r.eventLoop * 100)}% busy` },
    { name: `observer resolution (time between change-feed reads), at ${at}`, value: `p50 ${formatMs(r.watcherGap.p50)}, p99 ${formatMs(r.watcherGap.p99)}` },
    { name: `propagator backlog after the phase, at ${at}`,
      value: `${formatCount(r.propagation.changes)} change-log records, ${formatCount(r.propagation.jobs)} fan-out/apply jobs` },
  ];
}

function stepMeasurement({ result: r, shortfalls }: SearchStep): Measurement {
  const verdict = shortfalls.length === 0 ? 'sustained' : `**not sustained**: ${shortfalls.join('; ')}`;
  return { name: `step ${formatCount(r.ratePerSecond)}/s × ${r.seconds} s`,
    value: `${verdict}; request → updated p50 ${formatMs(r.visible.p50)}, p99 ${formatMs(r.visible.p99)}; 202 p99 ${formatMs(r.http.p99)}; `
      + `CPU ${cpuSplit(r.cpu)}; propagator behind by ${formatCount(r.propagation.jobs)} jobs` };
}

function parameters(): [string, string][] {
  const share = Math.round(NEW_INCIDENT_SHARE * 100);
  return [
    ['catalog', `${formatCount(TABLES)} table assets; one Monte Carlo connector mapping \`analytics:public.t_<n>\` to `
      + '`snowflake/acme/ANALYTICS/PUBLIC/T_<N>` (template `snowflake/acme/{database}/{schema}/{table}`, case upper)'],
    ['webhooks', `signed (HMAC-SHA512) v0.1 incident webhooks, one table each: ${share}% open a new incident on a random table, `
      + `${100 - share}% update an existing one (open feedback, a severity and a new owner), so every body is a distinct state. An incident `
      + 'is updated only once its previous state is applied, at most once a phase: two states of one incident in one ingestor batch apply '
      + 'as one change, and the older would never show'],
    ['load', `open loop: webhook i sent at start + i/rate by a worker thread's clock, keep-alive HTTP on loopback, at most ${MAX_IN_FLIGHT} in flight`],
    ['phases', `seeding ${SEED.ratePerSecond}/s for ${SEED.seconds} s (openings only) and warm-up ${WARM_UP.ratePerSecond}/s for `
      + `${WARM_UP.seconds} s (not reported); ${STEADY.ratePerSecond}/s for ${STEADY.seconds} s; `
      + `then ${SEARCH_RATES.map(formatCount).join(', ')}/s for ${STEP_SECONDS} s each, up to the first step not sustained`],
    ['stack', 'the platform app (api, ingestor and propagator, as `npm start` composes them) in-process with default configuration, '
      + 'on its embedded PostgreSQL (fresh data directory)'],
    ['rules', 'the three built-in rules on, as every tenant has them, and no other; the catalog has no lineage, so the incident rule plans '
      + 'and propagates nothing (see the notes)'],
  ];
}

function notes(): string[] {
  return [
    '"Request → asset updated" runs from the webhook\'s scheduled send time (the same as its actual send time unless the in-flight bound '
      + 'held it back, which then counts as latency) until an observer sees its change event (`incident.opened` or `incident.updated`, '
      + 'matched by incident id and owner) in the tenant change feed. The event commits in the same transaction as the incident and its '
      + `asset link, so its appearance is the asset being updated. The observer reads the feed through ChangeFeedService every ${POLL_MS} ms `
      + 'on the server\'s event loop (each read a transaction on the app\'s pool, part of the load); the time between its reads '
      + '(reported) bounds how late it can see a change.',
    '"Arrival → applied" is the platform\'s own histogram: from the webhook\'s arrival in the API, not the client\'s send, to the '
      + 'ingestor applying it; its buckets only bound the percentiles.',
    'HTTP 202 is from send to the whole answer; the API answers once the delivery is durably in the inbound log.',
    `A step is sustained when every webhook was answered 202, the generator held the rate (≥ 97%), at most one second's webhooks were `
      + `still unapplied when sending stopped, and all were applied and the inbound log consumed within ${DRAIN_LIMIT_MS / 1000} s. `
      + 'Events/s is the achieved send rate of the highest such step.',
    'Client, server and observer share one Node process (the load generator on a worker thread) and the machine\'s cores with PostgreSQL; '
      + 'bodies are built and signed before each phase\'s clock starts. CPU is the Node process (all threads), all PostgreSQL processes, '
      + 'and the rest of the machine (other processes competing for the same cores), from /proc, averaged over the sending time; the '
      + 'event loop share is that of the main thread, where the API, the ingestor and the observer run.',
    'The propagator runs too: every incident change goes through the change relay into the change log, and the built-in incident '
      + 'rule plans fan-out jobs (here without lineage, so nothing propagates). Its backlog is reported after each phase; after the '
      + `seeding the suite waits up to ${SETTLE_LIMIT_MS / 1000} s for it to finish, afterwards it is part of the load.`,
    'The measured phases start with planner statistics (ANALYZE after the seeding), as a platform running for more than a minute or '
      + 'two has them from autovacuum.',
    'After the last step the suite waits for the ingestor to finish, then checks every accepted webhook\'s state appeared, every opened '
      + 'incident exists once and is attached to its asset, and no dead letters.',
  ];
}
