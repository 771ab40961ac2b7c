import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import type { Connection } from '@clickhouse/client/dist/common/connection';
import { createChdbConnection } from 'chdb/connection';
import { asTenantId } from '@tributary/store';
import { descendantsOf, generateLineageGraph } from '../../bench/catalog/lineage-graph';
import { Random } from '../../bench/support/random';
import { ClickHouseAnalyticsStore, ClosureUpdateStats, IncidentFact, loadMigrations, sharedDatabase } from '../../libs/analytics/src';

/**
 * The closure at the benchmark's scale on the in-process engine (not a unit test): builds the closure
 * of the benchmark graph in one batch, checks the root's impact against a breadth-first walk, then
 * times a change near the top of the root's component, one blast radius and one single-asset impact.
 *
 *   npx tsc -p clickhouse/scale-check && npx tsc-alias -p clickhouse/scale-check/tsconfig.json \
 *     && node dist/scale-check/clickhouse/scale-check/scale-check.js [assets]
 */
const ASSETS = Number(process.argv[2] ?? 100_000);
const SHAPE = { assets: ASSETS, edges: ASSETS * 3, rootDescendants: Math.min(10_000, ASSETS / 10), rootLevels: 30, seed: 20_261 };
const INCIDENTS = 200_000;
const OPEN_SHARE = 0.1;

async function main() {
  // SCALE_DIR keeps the data directory (and skips the build when it holds the graph already)
  const path = process.env.SCALE_DIR ?? await mkdtemp(join(tmpdir(), 'tributary-scale-'));
  const client = createClient({ connection: createChdbConnection({ path }) as unknown as Connection<Readable> });
  const updates: ClosureUpdateStats[] = [];
  const store = new ClickHouseAnalyticsStore(client, loadMigrations(), sharedDatabase, { onClosureUpdate: (s) => updates.push(s) });
  const tenant = asTenantId('scale');
  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    const result = await fn();
    console.log(`${label}: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
    return result;
  };
  try {
    await store.migrate();
    const graph = generateLineageGraph(SHAPE);
    const name = (i: number) => graph.assets[i].qualifiedName;
    console.log(`graph: ${graph.assets.length} assets, ${graph.edges.length} edges, ${graph.components} components`);
    const built = (await store.counts(tenant)).closurePairs > 0;
    if (!built) {
      // as the rebuild does: pages of 5,000 facts handed to reload, the closure built once at the end
      const assets = graph.assets.map((a) => ({ qualifiedName: a.qualifiedName, typeName: a.typeName, owner: null, deleted: false, version: 1 }));
      const edges = graph.edges.map(([from, to]) => ({ from: name(from), to: name(to), present: true, version: 1 }));
      async function* pages() {
        for (let i = 0; i < assets.length; i += 5000) yield { assets: assets.slice(i, i + 5000) };
        for (let i = 0; i < edges.length; i += 5000) yield { edges: edges.slice(i, i + 5000) };
      }
      await time('reload: 80 pages of 5,000 facts, then the closure built once', () => store.reload(tenant, pages()));
      console.log('  ', JSON.stringify(updates.at(-1)));
    }
    console.log('counts', JSON.stringify(await store.counts(tenant)));

    const expected = descendantsOf(graph, graph.root);
    const within50 = [...expected.values()].filter((d) => d <= 50).length;
    for (const maxDepth of [6, 10, 50]) {
      const reference = [...expected.values()].filter((d) => d <= maxDepth).length;
      for (const attempt of ['first', 'again']) {
        const impact = await time(`single-asset impact (root, downstream, depth ${maxDepth}, page of 100, ${attempt})`, () =>
          store.impact(tenant, { roots: [name(graph.root)], direction: 'downstream', maxDepth, limit: 100 }));
        if (attempt === 'first') console.log(`   total ${impact.total}, breadth-first reference ${reference}: ${impact.total === reference ? 'equal' : 'NOT EQUAL'}`);
      }
    }

    // a change near the top: the root's first edge removed, then added back
    const [first] = graph.edges.filter(([from]) => from === graph.root);
    await time('edge removed below the root', () => store.apply(tenant, { edges: [{ from: name(first[0]), to: name(first[1]), present: false, version: Date.now() }] }));
    console.log('  ', JSON.stringify(updates.at(-1)));
    await time('edge added back below the root', () => store.apply(tenant, { edges: [{ from: name(first[0]), to: name(first[1]), present: true, version: Date.now() + 1 }] }));
    console.log('  ', JSON.stringify(updates.at(-1)));
    const again = await store.impact(tenant, { roots: [name(graph.root)], direction: 'downstream', maxDepth: 50, limit: 1 });
    console.log(`   root impact after remove + add: ${again.total} (${again.total === within50 ? 'equal' : 'NOT EQUAL'})`);

    const random = new Random(7);
    const incidents: IncidentFact[] = Array.from({ length: INCIDENTS }, (_, i) => ({
      id: `inc-${i}`, source: 'montecarlo', type: 'freshness', severity: 'high',
      status: random.next() < OPEN_SHARE ? 'open' : 'resolved',
      openedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000), acknowledgedAt: null, resolvedAt: null,
      assets: [name(Math.floor(random.next() * graph.assets.length))], version: 1,
    }));
    if (!built) await time(`${INCIDENTS} incidents written`, () => store.apply(tenant, { incidents }));
    const radius = await time('blast radius of every open incident, depth 6', () => store.blastRadius(tenant, 6));
    console.log(`   ${radius.length} open incidents, the largest reaches ${radius[0]?.assets}`);
    await time('top-20 hotspots', () => store.hotspots(tenant, { since: new Date(Date.UTC(2026, 2, 1)), limit: 20 }));
    await time('trends over 90 days by type', () => store.incidentTrends(tenant, { from: new Date(Date.UTC(2026, 0, 1)), to: new Date(Date.UTC(2026, 3, 1)), granularity: 'day', groupBy: 'type' }));
    await time('incident summary over 90 days', () => store.incidentSummary(tenant, { from: new Date(Date.UTC(2026, 0, 1)), to: new Date(Date.UTC(2026, 3, 1)) }));
    await time('blast radius of every open incident, depth 10 (jumps)', () => store.blastRadius(tenant, 10));
  } finally {
    await store.close();
    if (!process.env.SCALE_DIR) await rm(path, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
