import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalyticsStore, openAnalyticsStore, TableDiskUsage } from '@tributary/analytics';
import type { StoredBytes } from '@tributary/cost';
import { AnalyticsRebuild } from '@tributary/indexing';
import { DEFAULT_TENANT, ServerRepository } from '@tributary/store';
import { addEdges, upsertAssets } from './catalog/bulk-load';
import { expectedDescendants } from './catalog/expect-descendants';
import { generateLineageGraph, GraphShape, LineageGraph } from './catalog/lineage-graph';
import { generateIncidentHistory, GeneratedIncident, HistoryShape } from './analytics/incident-history';
import { measureFreshness, FRESHNESS_RATE } from './analytics/freshness';
import { measureIndexer } from './analytics/indexer-throughput';
import { PostgresAnalytics } from './analytics/postgres-analytics';
import { insertIncidents } from './analytics/postgres-incidents';
import { timeOnce, timeRuns } from './analytics/timing';
import { ApiClient } from './support/api-client';
import { figure } from './support/figures';
import { startInProcessPlatform } from './support/in-process-platform';
import { formatCount, formatMs } from './support/stats';
import { BenchSuite, Measurement } from './suite';

const SHAPE: GraphShape = { assets: 100_000, edges: 300_000, rootDescendants: 10_000, rootLevels: 30, seed: 20_261 };
const HISTORY: HistoryShape = { incidents: 200_000, open: 1_000, days: 90, seed: 20_262 };
/** What the impact endpoints walk when asked without a depth (apps/api/src/http/schemas.ts): within the closure, one lookup. */
const DEFAULT_DEPTH = 5;
/** The incident impact API's deepest allowed walk: the blast radius at its worst, deeper than the closure's 6 hops. */
const BLAST_DEPTH = 10;
/** The lineage API's deepest walk: the root's 10,000 descendants lie within it (25 levels down). */
const IMPACT_DEPTH = 50;
const HOTSPOT_WINDOW_DAYS = 30;
const TARGETS = { blastRadiusMs: 500, impactP95Ms: 50, indexerPerSecond: 20_000, freshnessP99Ms: 2000 };

/**
 * The analytics questions on the benchmark graph, answered by the analytics store (ClickHouse, the
 * embedded engine in this process) and by PostgreSQL (the catalog's store) side by side in one run,
 * each answer checked against the other before it is timed; then the indexer's throughput and the
 * freshness of the store behind live writes.
 */
export const analyticsSuite: BenchSuite = {
  id: 'analytics',
  title: 'Analytics: ClickHouse beside PostgreSQL on lineage joins and incident trends; indexer throughput and freshness',
  run: async (progress) => {
    const now = new Date();
    progress(`generating ${formatCount(SHAPE.assets)} assets, ${formatCount(SHAPE.edges)} edges, ${formatCount(HISTORY.incidents)} incidents`);
    const graph = generateLineageGraph(SHAPE);
    const history = generateIncidentHistory(HISTORY, graph.assets.length, now);
    const platform = await startInProcessPlatform();
    const storeDir = mkdtempSync(join(tmpdir(), 'tributary-bench-clickhouse-'));
    let store: AnalyticsStore | undefined;
    let platformRunning = true;
    try {
      const { database } = platform.runtime;
      const api = new ApiClient(platform.baseUrl, platform.adminKey);
      progress('loading assets and lineage through the API, incidents into their tables');
      await upsertAssets(api, graph);
      await addEdges(api, graph);
      await insertIncidents(database, graph, history);
      await new ServerRepository(database).analyze({ vacuum: true });

      progress('opening the embedded ClickHouse engine and rebuilding the store from PostgreSQL');
      store = await openAnalyticsStore({ path: storeDir });
      const rebuild = await timeOnce(() => new AnalyticsRebuild(database, store!).rebuild(DEFAULT_TENANT));
      if (!rebuild.value.equal) throw new Error(`the rebuild's counts differ from PostgreSQL's: ${JSON.stringify(rebuild.value.counts)}`);

      const postgres = new PostgresAnalytics(database);
      const side = await sideBySide(store, postgres, graph, history, now, progress);
      const indexer = await measureIndexer(database, api, graph, store, progress);
      const clickhouse = clickhouseStorage(await store.diskUsage());
      const closurePairsPerEdge = rebuild.value.closurePairs / graph.edges.length;
      const postgresVersion = await new ServerRepository(database).version();
      // the embedded engine opens one data directory per process: this one closes before the platform's opens
      await store.close();
      store = undefined;
      platformRunning = false;
      await platform.stop();
      const freshness = await measureFreshness(progress);
      return {
        postgresVersion,
        parameters: [
          ['graph', `${formatCount(graph.assets.length)} assets, ${formatCount(graph.edges.length)} edges (the catalog suite's graph, seed ${SHAPE.seed})`],
          ['incidents', `${formatCount(HISTORY.incidents)} over ${HISTORY.days} days, ${formatCount(HISTORY.open)} open; 10 % on two tables`],
          ['engines', 'ClickHouse: chdb in this process (embedded default); PostgreSQL: the embedded one, after VACUUM ANALYZE'],
        ],
        table: side.table,
        measurements: [
          { name: 'rebuild of the store from PostgreSQL', value: `${(rebuild.ms / 1000).toFixed(1)} s (closure ${formatCount(rebuild.value.closurePairs)} pairs)` },
          ...side.measurements,
          ...indexer.measurements,
          ...freshness,
        ],
        figures: [
          figure('rebuild.seconds', 'rebuild of the store from PostgreSQL', rebuild.ms / 1000, 's'),
          figure('closure.pairs-per-edge', `closure pairs per lineage edge (${rebuild.value.closurePairs} pairs, ${graph.edges.length} edges, depth ≤ 6)`,
            closurePairsPerEdge, 'count'),
        ],
        processes: [indexer.process],
        storage: clickhouse,
        notes: [
          'PostgreSQL answers the lineage questions with the catalog\'s own walk (each asset expanded once), one walk per incident, aggregates in SQL; ClickHouse with the closure table.',
          'Every ClickHouse answer is checked against PostgreSQL\'s before it is timed (blast radius per incident, the root\'s 10,000 descendants, daily trends).',
          `Freshness: ${FRESHNESS_RATE} asset creations a second through PUT /v1/assets (10 a request) on the all-in-one platform (indexer and `
            + 'ClickHouse in the same process); from the request being sent (before its commit: the figure errs long) to the first poll (every 20 ms) '
            + 'of the store that counts it; the k-th change sent is paired with the k-th change counted.',
        ],
      };
    } finally {
      await store?.close();
      rmSync(storeDir, { recursive: true, force: true });
      if (platformRunning) await platform.stop();
    }
  },
};

/**
 * Bytes per row of each table of the embedded ClickHouse store after the rebuild and the indexer's
 * changes (active parts on disk; compressed, so a larger store may compress differently).
 */
function clickhouseStorage(tables: TableDiskUsage[]): StoredBytes[] {
  return tables.filter((t) => t.rows > 0 && t.table !== 'schema_migrations').map((t) => ({
    key: `clickhouse.${t.table.replace(/_/g, '-')}`, store: 'clickhouse', what: `${t.table} (${t.rows} rows, active parts)`,
    records: t.rows, bytes: t.bytes, bytesPerRecord: t.bytes / t.rows }));
}

interface SideBySide {
  table: { columns: string[]; rows: string[][] };
  measurements: Measurement[];
}

async function sideBySide(store: AnalyticsStore, postgres: PostgresAnalytics, graph: LineageGraph, history: GeneratedIncident[], now: Date,
  progress: (line: string) => void): Promise<SideBySide> {
  const rows: string[][] = [];
  const measurements: Measurement[] = [];

  const openRoots = await postgres.openIncidentRoots();
  let pgBlastMs = 0;
  for (const depth of [DEFAULT_DEPTH, BLAST_DEPTH]) {
    progress(`blast radius of every open incident within ${depth} hops`);
    const pgBlast = await timeOnce(() => postgres.reach(openRoots, depth));
    if (depth === BLAST_DEPTH) pgBlastMs = pgBlast.ms;
    const chBlast = await store.blastRadius(DEFAULT_TENANT, depth);
    const chCounts = new Map(chBlast.map((b) => [b.incidentId, b.assets]));
    for (const [id, reached] of pgBlast.value) {
      if ((chCounts.get(id) ?? 0) !== reached.length) throw new Error(`blast radius of ${id} within ${depth}: ClickHouse ${chCounts.get(id) ?? 0}, PostgreSQL ${reached.length}`);
    }
    const chBlastTimes = await timeRuns(0, 3, () => store.blastRadius(DEFAULT_TENANT, depth));
    const reachedTotal = [...pgBlast.value.values()].reduce((n, r) => n + r.length, 0);
    const which = depth === DEFAULT_DEPTH ? 'the endpoint\'s default depth, within the closure' : 'the endpoint\'s deepest, past the closure';
    rows.push([`blast radius, ${formatCount(openRoots.size)} open incidents, ≤ ${depth} hops (${which}; ${formatCount(reachedTotal)} incident-asset pairs)`,
      formatMs(chBlastTimes.p50), formatMs(pgBlast.ms)]);
    const blastName = `blast radius of every open incident, ≤ ${depth} hops (ClickHouse, median of 3)`;
    measurements.push({ name: blastName, value: formatMs(chBlastTimes.p50),
      target: { text: `≤ ${TARGETS.blastRadiusMs} ms`, met: chBlastTimes.p50 <= TARGETS.blastRadiusMs },
      figures: [figure(`blast-radius.depth-${depth}.clickhouse.p50`, blastName, chBlastTimes.p50, 'ms', { op: '<=', value: TARGETS.blastRadiusMs }),
        figure(`blast-radius.depth-${depth}.postgresql`, `blast radius, ≤ ${depth} hops (PostgreSQL, once)`, pgBlast.ms, 'ms')] });
  }

  progress('single-asset impact: the root with 10,000 descendants');
  const root = graph.assets[graph.root].qualifiedName;
  const expected = expectedDescendants(graph);
  const answer = await store.impact(DEFAULT_TENANT, { roots: [root], direction: 'downstream', maxDepth: IMPACT_DEPTH, limit: 100 });
  if (answer.total !== expected.depths.size) throw new Error(`ClickHouse impact of the root: ${answer.total} assets, expected ${expected.depths.size}`);
  const depthCounts = new Map<number, number>();
  for (const d of expected.depths.values()) depthCounts.set(d, (depthCounts.get(d) ?? 0) + 1);
  for (const { depth, count } of answer.byDepth) {
    if (depthCounts.get(depth) !== count) throw new Error(`ClickHouse impact of the root: ${count} assets at depth ${depth}, expected ${depthCounts.get(depth)}`);
  }
  const rootId = (await postgres.assetIds()).get(root)!;
  for (const depth of [DEFAULT_DEPTH, IMPACT_DEPTH]) {
    const chImpact = await timeRuns(1, 20, () => store.impact(DEFAULT_TENANT, { roots: [root], direction: 'downstream', maxDepth: depth, limit: 100 }));
    const pgImpact = await timeRuns(1, 20, () => postgres.impact(rootId, depth));
    const reached = [...expected.depths.values()].filter((d) => d <= depth).length;
    const label = depth === IMPACT_DEPTH ? `all ${formatCount(reached)} descendants (≤ ${depth} hops, 25 levels)` : `${formatCount(reached)} descendants within ${depth} hops (the default depth)`;
    rows.push([`single-asset impact of the root, ${label} (p50 / p95 of 20)`, `${formatMs(chImpact.p50)} / ${formatMs(chImpact.p95)}`,
      `${formatMs(pgImpact.p50)} / ${formatMs(pgImpact.p95)}`]);
    const impactName = `single-asset impact, ${label} (ClickHouse p95)`;
    const impactTarget = depth === IMPACT_DEPTH ? { op: '<=' as const, value: TARGETS.impactP95Ms } : undefined;
    measurements.push({ name: impactName, value: formatMs(chImpact.p95),
      target: impactTarget ? { text: `≤ ${TARGETS.impactP95Ms} ms`, met: chImpact.p95 <= TARGETS.impactP95Ms } : undefined,
      figures: [figure(`impact.depth-${depth}.clickhouse.p95`, impactName, chImpact.p95, 'ms', impactTarget),
        figure(`impact.depth-${depth}.postgresql.p95`, `single-asset impact, ${label} (PostgreSQL p95)`, pgImpact.p95, 'ms')] });
  }

  progress(`top-20 hotspots over ${HOTSPOT_WINDOW_DAYS} days`);
  const since = new Date(now.getTime() - HOTSPOT_WINDOW_DAYS * 86_400_000);
  const chHotspots = await timeRuns(0, 3, () => store.hotspots(DEFAULT_TENANT, { since, limit: 20 }));
  const windowRoots = await postgres.incidentRootsSince(since);
  const sample = new Map([...windowRoots].slice(0, 500));
  const pgSample = await timeOnce(() => postgres.reach(sample, BLAST_DEPTH));
  const pgHotspotsEstimateMs = pgBlastMs + (pgSample.ms / sample.size) * windowRoots.size;
  rows.push([`top-20 hotspots, ${formatCount(windowRoots.size)} incidents in ${HOTSPOT_WINDOW_DAYS} days`, formatMs(chHotspots.p50),
    `~${(pgHotspotsEstimateMs / 1000).toFixed(0)} s (estimated: one walk per incident, ${formatCount(sample.size)} timed)`]);
  measurements.push({ name: 'top-20 hotspots (ClickHouse, median of 3)', value: formatMs(chHotspots.p50),
    figures: [figure('hotspots.clickhouse.p50', 'top-20 hotspots (ClickHouse, median of 3)', chHotspots.p50, 'ms')] });

  progress(`incident trends over ${HISTORY.days} days, by day and type`);
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const from = new Date(to.getTime() - HISTORY.days * 86_400_000);
  const chSeries = await store.incidentTrends(DEFAULT_TENANT, { from, to, granularity: 'day', groupBy: 'type' });
  const pgSeries = await postgres.dailyTrendsByType(from, to);
  const chOpened = chSeries.flatMap((s) => s.points).reduce((n, p) => n + p.opened, 0);
  const pgOpened = pgSeries.reduce((n, p) => n + p.opened, 0);
  if (chOpened !== pgOpened || chOpened !== history.filter((i) => i.openedAt >= from).length) {
    throw new Error(`trends: ClickHouse counts ${chOpened} incidents opened, PostgreSQL ${pgOpened}`);
  }
  const chTrends = await timeRuns(1, 10, () => store.incidentTrends(DEFAULT_TENANT, { from, to, granularity: 'day', groupBy: 'type' }));
  const pgTrends = await timeRuns(1, 10, () => postgres.dailyTrendsByType(from, to));
  rows.push([`trends, ${HISTORY.days} days by day and type (median of 10)`, formatMs(chTrends.p50), formatMs(pgTrends.p50)]);
  measurements.push({ name: `incident trends over ${HISTORY.days} days (ClickHouse, median of 10)`, value: formatMs(chTrends.p50),
    figures: [figure('trends.clickhouse.p50', `incident trends over ${HISTORY.days} days (ClickHouse, median of 10)`, chTrends.p50, 'ms'),
      figure('trends.postgresql.p50', `incident trends over ${HISTORY.days} days (PostgreSQL, median of 10)`, pgTrends.p50, 'ms')] });

  return { table: { columns: ['question', 'ClickHouse (chdb)', 'PostgreSQL'], rows }, measurements };
}
