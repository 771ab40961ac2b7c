import { Database, ServerRepository } from '@tributary/store';
import { addEdges, ASSETS_PER_REQUEST, EDGES_PER_REQUEST, IN_FLIGHT, Throughput, upsertAssets } from './catalog/bulk-load';
import { DescendantTimes, TIMED_RUNS, timeDescendants, WALK_DEPTH, WARM_UPS } from './catalog/descendant-timing';
import { ExpectedDescendants, expectedDescendants } from './catalog/expect-descendants';
import { generateLineageGraph, GraphShape, LineageGraph } from './catalog/lineage-graph';
import { ApiClient } from './support/api-client';
import { figure, latencyFigures, postgresBytesPer, processUses } from './support/figures';
import { coresBetween, ProcessUsage } from './support/process-usage';
import { startInProcessPlatform } from './support/in-process-platform';
import { Distribution, formatBytes, formatCount, formatMs } from './support/stats';
import { BenchSuite, Measurement } from './suite';

const SHAPE: GraphShape = { assets: 100_000, edges: 300_000, rootDescendants: 10_000, rootLevels: 30, seed: 20_261 };

const TARGET_UPSERTS_PER_SECOND = 5000;
const TARGET_DESCENDANTS_MS = 100;

/**
 * The catalog foundation under bulk load: assets and lineage edges through the HTTP API, then the
 * downstream walk from a root with 10,000 descendants, as the store's query alone and as the whole
 * GET /v1/lineage request.
 *
 * The walk is timed twice. First right after the bulk load, when PostgreSQL has no statistics on the
 * new rows yet and plans from defaults, as a fresh installation does for its first minute or two.
 * Then after VACUUM ANALYZE, which autovacuum runs on its own shortly after such a load (statistics
 * for the planner, the visibility map for index-only scans; its naptime is a minute): running it here
 * keeps the benchmark short and its second half deterministic.
 */
export const catalogSuite: BenchSuite = {
  id: 'catalog',
  title: 'Catalog: bulk asset upsert and lineage descendants',
  run: async (progress) => {
    progress(`generating ${formatCount(SHAPE.assets)} assets and ${formatCount(SHAPE.edges)} edges`);
    const graph = generateLineageGraph(SHAPE);
    const expected = expectedDescendants(graph);
    if (expected.depths.size !== SHAPE.rootDescendants) {
      throw new Error(`the generator gave the root ${expected.depths.size} descendants, not ${SHAPE.rootDescendants}`);
    }
    progress('starting the api app on an embedded PostgreSQL');
    const platform = await startInProcessPlatform();
    try {
      const { database } = platform.runtime;
      const api = new ApiClient(platform.baseUrl, platform.adminKey);
      const usage = await ProcessUsage.start(database);
      const beforeLoad = usage.cpu();
      progress(`PUT /v1/assets: ${formatCount(graph.assets.length)} assets, ${ASSETS_PER_REQUEST} per request, ${IN_FLIGHT} in flight`);
      const upserts = await upsertAssets(api, graph);
      progress(`PUT /v1/lineage: ${formatCount(graph.edges.length)} edges, ${EDGES_PER_REQUEST} per request, ${IN_FLIGHT} in flight`);
      const lineage = await addEdges(api, graph);
      const loadCpu = coresBetween(beforeLoad, usage.cpu());
      usage.stop();
      const rootName = graph.assets[graph.root].qualifiedName;
      progress(`descendants of ${rootName}, right after the load: ${WARM_UPS} warm-ups and ${TIMED_RUNS} timed runs, walk then request`);
      const afterLoad = await timeDescendants(database, api, rootName, expected);
      // Autovacuum may run during that phase (it wakes on its own clock): then its numbers are not "before autovacuum".
      const autovacuumInterfered = (await autovacuumRuns(database)) > 0;
      if (autovacuumInterfered) progress('autovacuum processed the tables during that phase: its numbers are partly after autovacuum');
      progress('VACUUM ANALYZE, then the same again');
      await new ServerRepository(database).analyze({ vacuum: true });
      const vacuumed = await timeDescendants(database, api, rootName, expected);
      const postgresVersion = await new ServerRepository(database).version();
      // The process's peak so far: this suite runs first, so it is this suite's peak.
      const peakRssBytes = process.resourceUsage().maxRSS * 1024;
      const loadSeconds = upserts.seconds + lineage.seconds;
      const storage = [await postgresBytesPer(database, 'postgresql.asset', ['assets'], 'assets'),
        await postgresBytesPer(database, 'postgresql.lineage-edge', ['lineage_edges'], 'lineage_edges')].filter((s) => s !== undefined);
      return {
        postgresVersion,
        parameters: parameters(graph, expected),
        measurements: [
          ...loadMeasurements(graph, upserts, lineage),
          ...descendantMeasurements(expected, vacuumed, 'after VACUUM ANALYZE'),
          ...descendantMeasurements(expected, afterLoad, 'right after the load'),
          { name: 'peak RSS of the Node process', value: formatBytes(peakRssBytes) },
        ],
        figures: [
          figure('upserts.assets-per-second', 'asset upserts, PUT /v1/assets', upserts.perSecond, 'assets/s', { op: '>=', value: TARGET_UPSERTS_PER_SECOND }),
          ...latencyFigures('upserts.latency', `PUT /v1/assets latency (${ASSETS_PER_REQUEST} assets)`, upserts.latency),
          figure('lineage.edges-per-second', 'lineage edges, PUT /v1/lineage', lineage.perSecond, 'edges/s'),
          ...latencyFigures('lineage.latency', `PUT /v1/lineage latency (${EDGES_PER_REQUEST} edges)`, lineage.latency),
          ...latencyFigures('descendants.walk.vacuumed', 'descendants, LineageRepository.walk, after VACUUM ANALYZE', vacuumed.walk, { p: 'p95', ms: TARGET_DESCENDANTS_MS }),
          ...latencyFigures('descendants.request.vacuumed', 'descendants, GET /v1/lineage, after VACUUM ANALYZE', vacuumed.request, { p: 'p95', ms: TARGET_DESCENDANTS_MS }),
          ...latencyFigures('descendants.walk.after-load', 'descendants, LineageRepository.walk, right after the load', afterLoad.walk, { p: 'p95', ms: TARGET_DESCENDANTS_MS }),
          ...latencyFigures('descendants.request.after-load', 'descendants, GET /v1/lineage, right after the load', afterLoad.request, { p: 'p95', ms: TARGET_DESCENDANTS_MS }),
          figure('peak-rss.node', 'peak RSS of the Node process', peakRssBytes, 'bytes'),
        ],
        processes: processUses({ key: 'load', phase: `PUT /v1/assets then PUT /v1/lineage (${graph.assets.length} assets, ${graph.edges.length} edges)`,
          cpu: loadCpu, seconds: loadSeconds, self: { process: 'api', note: 'the api app and the HTTP client in one Node process', peakRssBytes } }),
        storage,
        notes: notes(expected, autovacuumInterfered),
      };
    } finally {
      await platform.stop();
    }
  },
};

/** How many times autovacuum has vacuumed or analyzed the tables the descendant queries read. */
async function autovacuumRuns(database: Database): Promise<number> {
  return new ServerRepository(database).autovacuumRuns(['assets', 'lineage_edges']);
}

function loadMeasurements(graph: LineageGraph, upserts: Throughput, lineage: Throughput): Measurement[] {
  return [
    { name: 'asset upserts, PUT /v1/assets',
      value: `${formatCount(upserts.perSecond)} assets/s (${formatCount(graph.assets.length)} in ${upserts.seconds.toFixed(1)} s)`,
      target: { text: `≥ ${formatCount(TARGET_UPSERTS_PER_SECOND)} assets/s`, met: upserts.perSecond >= TARGET_UPSERTS_PER_SECOND } },
    { name: `PUT /v1/assets latency (${ASSETS_PER_REQUEST} assets)`, value: `p50 ${formatMs(upserts.latency.p50)}, p99 ${formatMs(upserts.latency.p99)}` },
    { name: 'lineage edges, PUT /v1/lineage',
      value: `${formatCount(lineage.perSecond)} edges/s (${formatCount(graph.edges.length)} in ${lineage.seconds.toFixed(1)} s)` },
    { name: `PUT /v1/lineage latency (${EDGES_PER_REQUEST} edges)`, value: `p50 ${formatMs(lineage.latency.p50)}, p99 ${formatMs(lineage.latency.p99)}` },
  ];
}

function descendantMeasurements(expected: ExpectedDescendants, times: DescendantTimes, when: string): Measurement[] {
  const target = (d: Distribution) => ({ text: `≤ ${TARGET_DESCENDANTS_MS} ms at p95`, met: d.p95 <= TARGET_DESCENDANTS_MS });
  return [
    { name: `descendants (${formatCount(expected.depths.size)}), LineageRepository.walk, ${when}`, value: spread(times.walk), target: target(times.walk) },
    { name: `descendants, GET /v1/lineage/{root}?direction=downstream&depth=${WALK_DEPTH}, ${when}`, value: spread(times.request),
      target: target(times.request) },
  ];
}

const spread = (d: Distribution) => `p50 ${formatMs(d.p50)}, p95 ${formatMs(d.p95)}, max ${formatMs(d.max)}`;

function parameters(graph: LineageGraph, expected: ExpectedDescendants): [string, string][] {
  return [
    ['graph', `${formatCount(graph.assets.length)} assets, ${formatCount(graph.edges.length)} edges in ${graph.components} layered components `
      + `(seed ${SHAPE.seed}), of which ${formatCount(graph.skipEdges)} skip levels, ${graph.backEdges} close cycles and `
      + `${formatCount(graph.crossEdges)} join components`],
    ['root', `${formatCount(expected.depths.size)} distinct descendants over ${expected.maxDepth} levels, `
      + `${formatCount(expected.edgesAmong)} edges among them (about 3 parents per asset: diamonds), one cycle; other components feed into it`],
    ['load', `${ASSETS_PER_REQUEST} assets or ${EDGES_PER_REQUEST} edges per request, ${IN_FLIGHT} requests in flight, keep-alive HTTP on loopback`],
    ['walk', `downstream, depth ${WALK_DEPTH}; ${WARM_UPS} warm-ups then ${TIMED_RUNS} sequential timed runs, right after the load and again after VACUUM ANALYZE`],
    ['stack', 'the api app in-process with default configuration, on its embedded PostgreSQL (fresh data directory)'],
    ['rules', 'none run: the api app alone has no ingestor and no propagator, so nothing else works while the walks are timed'],
  ];
}

function notes(expected: ExpectedDescendants, autovacuumInterfered: boolean): string[] {
  return [
    'Client and server share one Node process (the api app is started in-process, on the embedded PostgreSQL as `npm start` '
      + 'runs it) and the machine\'s cores with PostgreSQL; request bodies are serialized before the clock starts.',
    'Throughput is total wall time over all requests; latency is per request, as the client saw it.',
    'LineageRepository.walk is timed around the query alone, inside a tenant transaction. GET /v1/lineage is timed until '
      + `the whole body has arrived; it also reads the ${formatCount(expected.depths.size)} assets and the `
      + `${formatCount(expected.edgesAmong)} edges among them.`,
    '"Right after the load": PostgreSQL has no statistics on the new rows yet, as during the first minute or two after a '
      + 'bulk load into a fresh store. "After VACUUM ANALYZE": what autovacuum leaves once it has run.',
    ...(autovacuumInterfered ? ['Autovacuum processed the tables during the "right after the load" runs: those numbers are partly after autovacuum.'] : []),
    'Every descendant answer is checked against a breadth-first search of the generated graph (every name, every '
      + 'shortest depth, the edge count) before it is timed.',
    'Peak RSS is of the Node process (app, client and generated data); PostgreSQL runs in its own processes.',
  ];
}
