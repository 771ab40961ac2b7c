import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ClickHouseClient, createClient } from '@clickhouse/client';
import type { Connection } from '@clickhouse/client/dist/common/connection';
import { createChdbConnection } from 'chdb/connection';
import { asTenantId } from '@tributary/store';
import { ClickHouseAnalyticsStore } from './clickhouse-analytics.store';
import { sharedDatabase } from './clickhouse-database';
import { loadMigrations, migrateDatabase } from './clickhouse-migrations';

/**
 * Migration 0004 on a store written before it: the closure's pairs (and a tombstone) move from
 * `closure` to `closure_pairs`, the descendant copy follows, the old tables go, running it again
 * changes nothing, and the store answers from the moved pairs and keeps them up to date.
 */
describe('the closure moved to fine-grained tables (migration 0004), on the embedded engine', () => {
  let path: string;
  let client: ClickHouseClient;

  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), 'tributary-analytics-migration-'));
    client = createClient({ connection: createChdbConnection({ path }) as unknown as Connection<Readable> });
  });
  afterAll(async () => {
    await client.close();
    await rm(path, { recursive: true, force: true });
  });

  const rows = async <T>(query: string) => (await client.query({ query, format: 'JSONEachRow' })).json<T>();
  const pairs = (table: string) => rows<{ ancestor: string; descendant: string; depth: number }>(
    `SELECT toString(ancestor) AS ancestor, toString(descendant) AS descendant, depth FROM tributary.${table} FINAL
     WHERE tenant_id = 'm1' ORDER BY ancestor, descendant`);

  it('moves the pairs, runs again without effect, and the store goes on from them', async () => {
    const migrations = loadMigrations();
    await migrateDatabase(client, 'tributary', migrations.filter((m) => m.version <= 3));
    const values = (table: string, v: Record<string, unknown>[]) => client.insert({ table: `tributary.${table}`, values: v, format: 'JSONEachRow' });
    await values('assets', ['a', 'b', 'c'].map((n) => ({ tenant_id: 'm1', qualified_name: n, type_name: 'Table', owner: null, deleted: 0, version: 1 })));
    await values('edges', [['a', 'b'], ['b', 'c']].map(([src, dst]) => ({ tenant_id: 'm1', src_name: src, dst_name: dst, present: 1, version: 1 })));
    const node = async (name: string) => (await rows<{ n: string }>(`SELECT toString(cityHash64('${name}')) AS n`))[0].n;
    const [a, b, c] = [await node('a'), await node('b'), await node('c')];
    await values('closure', [
      { tenant_id: 'm1', ancestor: a, descendant: b, depth: 1, version: 5, is_deleted: 0 },
      { tenant_id: 'm1', ancestor: a, descendant: c, depth: 2, version: 5, is_deleted: 0 },
      { tenant_id: 'm1', ancestor: b, descendant: c, depth: 1, version: 5, is_deleted: 0 },
      // a pair that vanished: its tombstone must move too, or the older row would come back
      { tenant_id: 'm1', ancestor: c, descendant: a, depth: 1, version: 4, is_deleted: 0 },
      { tenant_id: 'm1', ancestor: c, descendant: a, depth: 1, version: 5, is_deleted: 1 },
    ]);
    const before = await pairs('closure');
    expect(before).toHaveLength(3);

    await migrateDatabase(client, 'tributary', migrations);
    expect(await pairs('closure_pairs')).toEqual(before);
    expect(await pairs('closure_pairs_by_descendant')).toEqual(before);
    const tables = (await rows<{ name: string }>(`SELECT name FROM system.tables WHERE database = 'tributary' AND name LIKE 'closure%' ORDER BY name`)).map((t) => t.name);
    expect(tables).not.toContain('closure');
    expect(tables).not.toContain('closure_by_descendant');

    // a second process running the same migration, or this one stopped halfway and run again
    for (const statement of migrations.find((m) => m.version === 4)!.statements) {
      await client.command({ query: statement.replaceAll('{database}', 'tributary') });
    }
    expect(await pairs('closure_pairs')).toEqual(before);

    const store = new ClickHouseAnalyticsStore(client, migrations, sharedDatabase);
    const tenant = asTenantId('m1');
    const reach = async (root: string) => Object.fromEntries((await store.impact(tenant, { roots: [root], direction: 'downstream', maxDepth: 5, limit: 10 }))
      .assets.map((x) => [x.qualifiedName, x.depth]));
    expect(await reach('a')).toEqual({ b: 1, c: 2 });
    expect(await reach('c')).toEqual({});
    await store.apply(tenant, { assets: [{ qualifiedName: 'd', typeName: 'Table', owner: null, deleted: false, version: 2 }],
      edges: [{ from: 'c', to: 'd', present: true, version: 2 }] });
    expect(await reach('a')).toEqual({ b: 1, c: 2, d: 3 });
  });
});
