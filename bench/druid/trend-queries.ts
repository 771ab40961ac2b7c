import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalyticsStore, DruidIncidentAnalytics, DruidSqlClient, IncidentAnalytics, openAnalyticsStore } from '@tributary/analytics';
import { asTenantId } from '@tributary/store';
import { DruidBatchLoader } from '../../test/support/druid-batch';
import { timeOnce, timeRuns } from '../analytics/timing';
import { figure, latencyFigures } from '../support/figures';
import { formatCount, formatMs } from '../support/stats';
import { Measurement } from '../suite';
import { generateFactHistory } from './incident-facts-history';

/** 265,000 incidents make about a million facts (open, update, most acknowledged, all but the open resolved). */
const SHAPE = { incidents: 265_000, open: 1_000, days: 90, seed: 20_263 };
const TENANT = asTenantId('bench');
const RUNS = 10;
const APPLY_BATCH = 5_000;
const TARGET_TRENDS_P95_MS = 300;

export interface TrendQueriesResult {
  table: { columns: string[]; rows: string[][] };
  measurements: Measurement[];
  facts: number;
  incidents: number;
}

/**
 * The same incident history on both engines: every fact into Druid (native batch into a datasource
 * of this run), each incident's newest state into the embedded analytics store (chdb, in this
 * process); both answers compared, then each question timed on each engine, one after the other.
 */
export async function measureTrendQueries(brokerUrl: string, datasource: string, progress: (line: string) => void): Promise<TrendQueriesResult> {
  const now = new Date();
  const history = generateFactHistory(String(TENANT), SHAPE, now);
  progress(`trends and summary: ${formatCount(history.facts.length)} facts of ${formatCount(history.incidents.length)} incidents over ${SHAPE.days} days`);
  const loadDruid = await timeOnce(() => new DruidBatchLoader().load(history.facts, () => datasource, 30 * 60_000));
  progress(`Druid: loaded in ${(loadDruid.ms / 1000).toFixed(0)} s`);
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-druid-clickhouse-'));
  let store: AnalyticsStore | undefined;
  try {
    store = await openAnalyticsStore({ path: dir });
    await store.migrate();
    const embedded = store;
    const loadStore = await timeOnce(async () => {
      for (let i = 0; i < history.incidents.length; i += APPLY_BATCH) await embedded.apply(TENANT, { incidents: history.incidents.slice(i, i + APPLY_BATCH) });
    });
    progress(`analytics store: loaded in ${(loadStore.ms / 1000).toFixed(0)} s`);
    const druid = new DruidIncidentAnalytics(new DruidSqlClient({ url: brokerUrl }), async () => datasource);
    const range = { from: new Date(now.getTime() - SHAPE.days * 86_400_000), to: now };
    const questions: { key: string; name: string; ask: (engine: IncidentAnalytics) => Promise<unknown> }[] = [
      { key: 'trends-day-type', name: `trends, ${SHAPE.days} days by day and type`, ask: (e) => e.incidentTrends(TENANT, { ...range, granularity: 'day', groupBy: 'type' }) },
      { key: 'trends-week-severity', name: `trends, ${SHAPE.days} days by week and severity`, ask: (e) => e.incidentTrends(TENANT, { ...range, granularity: 'week', groupBy: 'severity' }) },
      { key: 'summary', name: `summary, ${SHAPE.days} days`, ask: (e) => e.incidentSummary(TENANT, range) },
    ];
    const rows: string[][] = [];
    const measurements: Measurement[] = [];
    for (const q of questions) {
      progress(q.name);
      const [fromDruid, fromStore] = [await q.ask(druid), await q.ask(embedded)];
      if (!sameAnswer(fromDruid, fromStore)) throw new Error(`${q.name}: Druid and the analytics store differ:\n${JSON.stringify(fromDruid).slice(0, 2000)}\n${JSON.stringify(fromStore).slice(0, 2000)}`);
      const onDruid = await timeRuns(1, RUNS, () => q.ask(druid));
      const onStore = await timeRuns(1, RUNS, () => q.ask(embedded));
      rows.push([q.name, `${formatMs(onDruid.p50)} / ${formatMs(onDruid.p95)}`, `${formatMs(onStore.p50)} / ${formatMs(onStore.p95)}`]);
      const trends = q.name.startsWith('trends');
      const key = `queries.${q.key}`;
      measurements.push({ name: `${q.name} on Druid (p50 / p95 of ${RUNS})`, value: `${formatMs(onDruid.p50)} / ${formatMs(onDruid.p95)}`,
        ...(trends ? { target: { text: `p95 ≤ ${TARGET_TRENDS_P95_MS} ms`, met: onDruid.p95 <= TARGET_TRENDS_P95_MS } } : {}),
        figures: [
          ...latencyFigures(`${key}.druid`, `${q.name} on Druid`, onDruid, trends ? { p: 'p95', ms: TARGET_TRENDS_P95_MS } : undefined),
          ...latencyFigures(`${key}.clickhouse`, `${q.name} on the analytics store (chdb)`, onStore),
        ] });
    }
    measurements.push({ name: `load: ${formatCount(history.facts.length)} facts into Druid (native batch, one task)`, value: `${(loadDruid.ms / 1000).toFixed(0)} s`,
      figures: [figure('load.druid.facts-per-second', 'load into Druid (native batch, one task)', history.facts.length / (loadDruid.ms / 1000), 'events/s')] });
    measurements.push({ name: `load: ${formatCount(history.incidents.length)} incidents into the analytics store (batches of ${formatCount(APPLY_BATCH)})`,
      value: `${(loadStore.ms / 1000).toFixed(0)} s` });
    return { table: { columns: ['question (p50 / p95)', 'Druid', 'analytics store (chdb)'], rows }, measurements, facts: history.facts.length, incidents: history.incidents.length };
  } finally {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Equal answers, the mean times to within a millionth of a second (Druid and ClickHouse round their floats differently). */
function sameAnswer(a: unknown, b: unknown): boolean {
  const round = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e6) / 1e6 : v);
  return JSON.stringify(a, round) === JSON.stringify(b, round);
}
