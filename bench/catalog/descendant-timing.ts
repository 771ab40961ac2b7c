import { performance } from 'node:perf_hooks';
import { AssetsRepository, Database, DEFAULT_TENANT, LineageRepository } from '@tributary/store';
import { ApiClient } from '../support/api-client';
import { Distribution, distribution } from '../support/stats';
import { expectDescendants, ExpectedDescendants } from './expect-descendants';

/** The API's maximum depth; the root's descendants all lie well within it. */
export const WALK_DEPTH = 50;
export const WARM_UPS = 3;
export const TIMED_RUNS = 30;

export interface DescendantTimes {
  /** LineageRepository.walk alone, inside a tenant transaction. */
  walk: Distribution;
  /** GET /v1/lineage, until the whole body has arrived. */
  request: Distribution;
}

/**
 * Times the downstream walk from the root, first the store's query, then the whole API request.
 * Each answer is checked against the expectation before it is timed.
 */
export async function timeDescendants(database: Database, api: ApiClient, rootName: string, expected: ExpectedDescendants): Promise<DescendantTimes> {
  return {
    walk: await timeRepositoryWalk(database, rootName, expected),
    request: await timeLineageRequest(api, rootName, expected),
  };
}

async function timeRepositoryWalk(database: Database, rootName: string, expected: ExpectedDescendants): Promise<Distribution> {
  const assets = new AssetsRepository();
  const lineage = new LineageRepository();
  const root = await database.inTenant(DEFAULT_TENANT, (tx) => assets.findLive(tx, rootName));
  if (!root) throw new Error(`the root ${rootName} was not stored`);
  const walk = () => database.inTenant(DEFAULT_TENANT, async (tx) => {
    const started = performance.now();
    const reached = await lineage.walk(tx, [root.id], 'downstream', WALK_DEPTH);
    return { ms: performance.now() - started, reached };
  });
  const { reached } = await walk();
  const rows = await database.inTenant(DEFAULT_TENANT, (tx) => assets.namesByIds(tx, reached.map((r) => r.id)));
  expectDescendants('LineageRepository.walk', new Map(reached.map((r) => [rows.get(r.id)!.qualifiedName, r.depth])), expected.depths);
  return timeRuns(async () => (await walk()).ms);
}

async function timeLineageRequest(api: ApiClient, rootName: string, expected: ExpectedDescendants): Promise<Distribution> {
  const path = `/v1/lineage/${encodeURIComponent(rootName)}?direction=downstream&depth=${WALK_DEPTH}`;
  const answer = JSON.parse(await api.getText(path)) as { nodes: { qualifiedName: string; depth: number }[]; edges: unknown[] };
  expectDescendants('GET /v1/lineage', new Map(answer.nodes.map((n) => [n.qualifiedName, n.depth])), expected.depths);
  if (answer.edges.length !== expected.edgesAmong) {
    throw new Error(`GET /v1/lineage returned ${answer.edges.length} edges, expected ${expected.edgesAmong}`);
  }
  return timeRuns(async () => {
    const started = performance.now();
    await api.getText(path);
    return performance.now() - started;
  });
}

/** Discards WARM_UPS runs (cold caches, JIT), then times TIMED_RUNS sequential runs. */
async function timeRuns(run: () => Promise<number>): Promise<Distribution> {
  for (let i = 0; i < WARM_UPS; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) samples.push(await run());
  return distribution(samples);
}
