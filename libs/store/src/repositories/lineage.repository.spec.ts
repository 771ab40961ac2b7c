import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../../../../test/support/test-postgres';
import { Database, POOLED_SCHEMA, TenantTx } from '../database';
import { SecretBox } from '../secret-box';
import { asTenantId, TenantId } from '../tenant-id';
import { AssetsRepository } from './assets.repository';
import { LineageRepository } from './lineage.repository';
import { TenantsRepository } from './tenants.repository';

/** Counting the reach of many root sets in one statement, on a real PostgreSQL, against the walk it stands for. */
describe(`${LineageRepository.name} downstream counts`, () => {
  let home: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  const assets = new AssetsRepository();
  const lineage = new LineageRepository();

  const tenant = async (id: string): Promise<TenantId> => {
    const tenantId = asTenantId(id);
    await new TenantsRepository(db).insert({ id: tenantId, name: id, placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    await db.provision({ tenantId, placement: 'pooled', dataSchema: POOLED_SCHEMA });
    return tenantId;
  };
  /** Assets named by the edges, and the edges. */
  const graph = async (tx: TenantTx, edges: [string, string][], alone: string[] = []) => {
    const names = [...new Set([...edges.flat(), ...alone])];
    const ids = await assets.insertMany(tx, names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table', name: null, attributes: {}, version: 1 })));
    await lineage.insertEdges(tx, edges.map(([from, to]) => ({ srcId: ids.get(from)!, dstId: ids.get(to)!, process: null })));
    return (...list: string[]) => list.map((n) => ids.get(n)!);
  };

  beforeAll(async () => {
    home = await createTestDatabase();
    db = await Database.open({ url: home.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
  });
  afterAll(async () => {
    await db?.close();
    await home?.drop();
  });

  it('counts each set\'s distinct reach once, through diamonds and cycles, within the depth, as the walk does', async () => {
    const t = await tenant('counts-shapes');
    await db.inTenant(t, async (tx) => {
      // a → b → d and a → c → d (a diamond); d → e → f → g → d (a cycle); x alone
      const ids = await graph(tx, [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'd']], ['x']);
      const sets = [ids('a'), ids('d'), ids('x'), ids('b', 'c'), ids('g', 'a'), [], ids('f'), ids('a', 'a')];
      const counts = await lineage.downstreamCounts(tx, sets, 3);
      expect(counts).toEqual([
        4, // b, c; d once though two paths reach it; e
        3, // e, f, g; not d again round the cycle
        0, // nothing out of x
        3, // d, e, f
        5, // d, b, c; e; f (the roots g and a are not counted)
        0, // no roots
        3, // g, d, e
        4, // a root twice is one root
      ]);
      for (const [i, roots] of sets.entries()) {
        expect(counts[i]).toBe(roots.length === 0 ? 0 : (await lineage.walk(tx, roots, 'downstream', 3)).length);
      }
      expect(await lineage.downstreamCounts(tx, [ids('a')], 1)).toEqual([2]);
      expect(await lineage.downstreamCounts(tx, [ids('a')], 0)).toEqual([0]);
      expect(await lineage.downstreamCounts(tx, [], 3)).toEqual([]);
    });
  });

  it('counts only the tenant\'s own edges', async () => {
    const mine = await tenant('counts-mine');
    const other = await tenant('counts-other');
    const ids = await db.inTenant(mine, (tx) => graph(tx, [['a', 'b']]));
    await db.inTenant(other, (tx) => graph(tx, [['p', 'q'], ['q', 'r']]));
    expect(await db.inTenant(mine, (tx) => lineage.downstreamCounts(tx, [ids('a'), ids('b')], 5))).toEqual([1, 0]);
  });
});
