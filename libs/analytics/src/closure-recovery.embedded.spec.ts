import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ClickHouseClient, createClient } from '@clickhouse/client';
import type { Connection } from '@clickhouse/client/dist/common/connection';
import { createChdbConnection } from 'chdb/connection';
import { asTenantId } from '@tributary/store';
import type { AssetFact, EdgeFact } from './analytics-store';
import { ClickHouseAnalyticsStore } from './clickhouse-analytics.store';
import { sharedDatabase } from './clickhouse-database';
import { loadMigrations } from './clickhouse-migrations';

/**
 * A closure update stopped halfway (the process died, the engine failed a statement) is finished by
 * the tenant's next apply, from `closure_pending`, and the closure ends as if nothing had failed: for
 * the additions' fast path stopped between rounds, and for the recomputation stopped between its
 * new pairs and its tombstones. The failure is injected into the client, after the statements
 * before it ran for real.
 */
describe('a closure update stopped halfway, finished by the next apply (embedded engine)', () => {
  let path: string;
  let client: ClickHouseClient;
  let store: ClickHouseAnalyticsStore;
  /** the statement to fail, once: its text matched, after `skip` matching ones ran */
  let failing: { matches: (sql: string) => boolean; skip: number } | null = null;

  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), 'tributary-closure-recovery-'));
    client = createClient({ connection: createChdbConnection({ path }) as unknown as Connection<Readable> });
    const faulty = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'command') return Reflect.get(target, prop, receiver);
        return async (params: { query: string }) => {
          if (failing?.matches(params.query)) {
            if (failing.skip === 0) {
              failing = null;
              throw new Error('injected: the engine failed this statement');
            }
            failing.skip -= 1;
          }
          return target.command(params);
        };
      },
    });
    store = new ClickHouseAnalyticsStore(faulty, loadMigrations(), sharedDatabase);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await rm(path, { recursive: true, force: true });
  });

  const asset = (qualifiedName: string, version = 1): AssetFact => ({ qualifiedName, typeName: 'Table', owner: null, deleted: false, version });
  const edge = (from: string, to: string, version = 1, present = true): EdgeFact => ({ from, to, present, version });
  const reach = async (tenant: string, root: string) => Object.fromEntries(
    (await store.impact(asTenantId(tenant), { roots: [root], direction: 'downstream', maxDepth: 10, limit: 100 })).assets.map((a) => [a.qualifiedName, a.depth]));
  /** a → b1 → … → b5 → d: d six hops down */
  const chain = async (tenant: string) => {
    const names = ['a', 'b1', 'b2', 'b3', 'b4', 'b5', 'd'];
    await store.apply(asTenantId(tenant), { assets: names.map((n) => asset(n)), edges: names.slice(1).map((n, i) => edge(names[i], n)) });
  };

  it('finishes additions stopped between rounds: a later round\'s shorter pair is not lost to an earlier round\'s', async () => {
    await chain('r1');
    // Added together: a → m1 → m2 → m3 → d (four added edges: d at 4, found by the third round) and
    // b2 → y → z → d (two added edges: d at 5, found by the second round). The third round fails.
    failing = { matches: (sql) => sql.includes('min(hops)'), skip: 2 };
    const added = {
      assets: ['m1', 'm2', 'm3', 'y', 'z'].map((n) => asset(n, 2)),
      edges: [['a', 'm1'], ['m1', 'm2'], ['m2', 'm3'], ['m3', 'd'], ['b2', 'y'], ['y', 'z'], ['z', 'd']].map(([f, t]) => edge(f, t, 2)),
    };
    await expect(store.apply(asTenantId('r1'), added)).rejects.toThrow('injected');
    expect(failing).toBeNull();
    // the next apply of the tenant, whatever it carries, finishes the recorded update first
    await store.apply(asTenantId('r1'), { assets: [asset('unrelated', 3)] });
    expect(await reach('r1', 'a')).toEqual({ b1: 1, b2: 2, b3: 3, b4: 4, b5: 5, d: 4, m1: 1, m2: 2, m3: 3, y: 3, z: 4 });
    expect(await reach('r1', 'y')).toEqual({ z: 1, d: 2 });
  });

  it('finishes a recomputation stopped after its new pairs, before its tombstones', async () => {
    await chain('r2');
    // removing b3 → b4 leaves a reaching b1..b3 only; the statement writing tombstones fails
    failing = { matches: (sql) => /\{version:UInt64\}, 1\s/.test(sql), skip: 0 };
    await expect(store.apply(asTenantId('r2'), { edges: [edge('b3', 'b4', 2, false)] })).rejects.toThrow('injected');
    expect(failing).toBeNull();
    await store.apply(asTenantId('r2'), { assets: [asset('unrelated', 3)] });
    expect(await reach('r2', 'a')).toEqual({ b1: 1, b2: 2, b3: 3 });
    expect(await reach('r2', 'b4')).toEqual({ b5: 1, d: 2 });
  });
});
