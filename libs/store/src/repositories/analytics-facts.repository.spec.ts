import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase } from '../../../../test/support/test-postgres';
import { Database, POOLED_SCHEMA, TenantTx } from '../database';
import { SecretBox } from '../secret-box';
import { asTenantId, TenantId } from '../tenant-id';
import { AnalyticsFactsRepository, EdgeCursor } from './analytics-facts.repository';
import { AssetsRepository } from './assets.repository';
import { IncidentRow, IncidentsRepository } from './incidents.repository';
import { LineageRepository } from './lineage.repository';
import { TenantsRepository } from './tenants.repository';

/** The analytics' read side on a real PostgreSQL: data written with the catalog's repositories, read back as facts. */
describe(AnalyticsFactsRepository.name, () => {
  let home: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  const facts = new AnalyticsFactsRepository();
  const assets = new AssetsRepository();
  const lineage = new LineageRepository();
  const incidents = new IncidentsRepository();

  const tenant = async (id: string): Promise<TenantId> => {
    const tenantId = asTenantId(id);
    await new TenantsRepository(db).insert({ id: tenantId, name: id, placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    await db.provision({ tenantId, placement: 'pooled', dataSchema: POOLED_SCHEMA });
    return tenantId;
  };
  const createAssets = (tx: TenantTx, list: { name: string; type?: string; attributes?: Record<string, unknown> }[]) =>
    assets.insertMany(tx, list.map((a) => ({ qualifiedName: a.name, typeName: a.type ?? 'Table', name: null, attributes: a.attributes ?? {}, version: 1 })));
  const connect = async (tx: TenantTx, ids: Map<string, number>, pairs: [string, string][]) =>
    lineage.insertEdges(tx, pairs.map(([from, to]) => ({ srcId: ids.get(from)!, dstId: ids.get(to)!, process: null })));
  const openIncident = async (tx: TenantTx, refs: { ref: string; name: string | null; assetId: number | null }[], over: Partial<IncidentRow> = {}) => {
    const row: IncidentRow = {
      id: randomUUID(), source: 'montecarlo', externalId: randomUUID(), connectorId: null, type: 'freshness', rawType: null, severity: 'SEV-2',
      status: 'open', rawStatus: 'investigating', title: null, url: null, owner: null, startedAt: new Date('2026-11-01T08:00:00Z'),
      updatedAt: new Date('2026-11-01T08:30:00Z'), sourceTime: null, ...over,
    };
    await incidents.upsert(tx, [{ ...row, raw: {} }]);
    await incidents.addTables(tx, refs.map((r) => ({ incidentId: row.id, sourceRef: r.ref, qualifiedName: r.name, assetId: r.assetId })));
    return row.id;
  };

  beforeAll(async () => {
    home = await createTestDatabase();
    db = await Database.open({ url: home.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
  });
  afterAll(async () => {
    await db?.close();
    await home?.drop();
  });

  describe('assets by qualified name', () => {
    it('give type, owner when it is text, and whether deleted; names never created are left out', async () => {
      const t = await tenant('facts-assets');
      await db.inTenant(t, async (tx) => {
        const ids = await createAssets(tx, [
          { name: 'a', type: 'Table', attributes: { owner: 'ana@example.com' } },
          { name: 'b', type: 'Dashboard', attributes: { owner: { team: 'bi' } } },
          { name: 'c', type: 'View' },
        ]);
        await assets.softDelete(tx, ids.get('c')!);
      });
      expect(await db.inTenant(t, (tx) => facts.assetsByNames(tx, ['c', 'a', 'b', 'never', 'a']))).toEqual([
        { qualifiedName: 'a', typeName: 'Table', owner: 'ana@example.com', deleted: false },
        { qualifiedName: 'b', typeName: 'Dashboard', owner: null, deleted: false },
        { qualifiedName: 'c', typeName: 'View', owner: null, deleted: true },
      ]);
    });
  });

  describe('edges by (from, to)', () => {
    it('answer every pair asked, present or not', async () => {
      const t = await tenant('facts-edges');
      await db.inTenant(t, async (tx) => {
        const ids = await createAssets(tx, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
        await connect(tx, ids, [['a', 'b'], ['b', 'c']]);
        await lineage.deleteEdges(tx, [{ srcId: ids.get('b')!, dstId: ids.get('c')! }]);
      });
      expect(await db.inTenant(t, (tx) => facts.edgesByPairs(tx, [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'a', to: 'nowhere' }, { from: 'a', to: 'b' }])))
        .toEqual([{ from: 'a', to: 'b', present: true }, { from: 'a', to: 'nowhere', present: false }, { from: 'b', to: 'c', present: false }]);
    });
  });

  describe('incidents by id', () => {
    it('give the incident\'s fields and times, and the assets its resolved links name, each once', async () => {
      const t = await tenant('facts-incidents');
      const [id, unlinked] = await db.inTenant(t, async (tx) => {
        const ids = await createAssets(tx, [{ name: 'orders' }, { name: 'customers' }]);
        const linked = await openIncident(tx, [
          { ref: 'db:orders', name: 'orders', assetId: ids.get('orders')! },
          { ref: 'db:ORDERS', name: 'orders', assetId: ids.get('orders')! },
          { ref: 'db:customers', name: 'customers', assetId: ids.get('customers')! },
          { ref: 'db:unmapped', name: null, assetId: null },
          { ref: 'db:later', name: 'later', assetId: null },
        ]);
        return [linked, await openIncident(tx, [], { status: 'resolved', severity: null, rawStatus: 'fixed' })];
      });
      expect(await db.inTenant(t, (tx) => facts.incidentsByIds(tx, [id, unlinked, randomUUID()]))).toEqual(expect.arrayContaining([
        { id, source: 'montecarlo', type: 'freshness', severity: 'SEV-2', status: 'open', openedAt: new Date('2026-11-01T08:00:00Z'),
          acknowledgedAt: new Date('2026-11-01T08:30:00Z'), resolvedAt: null, assets: ['customers', 'orders'] },
        expect.objectContaining({ id: unlinked, status: 'resolved', severity: null, acknowledgedAt: null, resolvedAt: new Date('2026-11-01T08:30:00Z'), assets: [] }),
      ]));
      expect(await db.inTenant(t, (tx) => facts.incidentsByIds(tx, [id, unlinked]))).toHaveLength(2);
    });

    it('are found by the assets they are on, once an asset that was waiting for them exists', async () => {
      const t = await tenant('facts-waiting');
      const id = await db.inTenant(t, (tx) => openIncident(tx, [{ ref: 'db:late', name: 'late', assetId: null }]));
      expect(await db.inTenant(t, (tx) => facts.incidentIdsOnAssets(tx, ['late']))).toEqual([]);
      await db.inTenant(t, async (tx) => {
        const ids = await createAssets(tx, [{ name: 'late' }]);
        await incidents.attachUnresolved(tx, [{ id: ids.get('late')!, qualifiedName: 'late' }]);
      });
      expect(await db.inTenant(t, (tx) => facts.incidentIdsOnAssets(tx, ['late']))).toEqual([id]);
      expect((await db.inTenant(t, (tx) => facts.incidentsByIds(tx, [id])))[0].assets).toEqual(['late']);
    });
  });

  describe('incidents with their downstream reach', () => {
    it('count each incident\'s distinct downstream assets once, through diamonds and cycles, within the depth, as the walk does', async () => {
      const t = await tenant('facts-reach');
      await db.inTenant(t, async (tx) => {
        // a → b → d and a → c → d (a diamond); d → e → f → g → d (a cycle); x alone; gone deleted, downstream of nothing
        const ids = await createAssets(tx, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'x', 'gone'].map((name) => ({ name })));
        await connect(tx, ids, [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'd'], ['gone', 'x']]);
        await assets.softDelete(tx, ids.get('gone')!);
        const on = (...names: string[]) => openIncident(tx, names.map((name) => ({ ref: name, name, assetId: ids.get(name)! })));
        const cases: [string, string[], number][] = [
          [await on('a'), ['a'], 4], // b, c; d once though two paths reach it; e
          [await on('d'), ['d'], 3], // e, f, g; not d again round the cycle
          [await on('x'), ['x'], 0], // nothing out of x
          [await on('b', 'c'), ['b', 'c'], 3], // d, e, f
          [await on('g', 'a'), ['a', 'g'], 5], // d, b, c; e; f (the roots themselves are not counted)
          [await on('a'), ['a'], 4], // a second incident on the same asset
          [await on('gone'), ['gone'], 0], // a deleted asset keeps its link, reaches nothing
          [await openIncident(tx, [{ ref: 'unmapped', name: null, assetId: null }]), [], 0],
        ];
        const found = await facts.incidentsWithReach(tx, [...cases.map(([id]) => id), randomUUID()], 3);
        expect(found).toHaveLength(cases.length);
        for (const [id, names, reached] of cases) {
          expect(found.find((f) => f.id === id)).toMatchObject({ assets: names, downstreamAssets: reached, status: 'open', type: 'freshness' });
          const roots = names.filter((n) => n !== 'gone').map((n) => ids.get(n)!);
          expect(reached).toBe(roots.length === 0 ? 0 : (await lineage.walk(tx, roots, 'downstream', 3)).length);
        }
        expect((await facts.incidentsWithReach(tx, [cases[0][0]], 1))[0].downstreamAssets).toBe(2);
      });
    });

    it('count only the tenant\'s own edges', async () => {
      const mine = await tenant('facts-reach-mine');
      const other = await tenant('facts-reach-other');
      await db.inTenant(other, async (tx) => connect(tx, await createAssets(tx, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]), [['a', 'b'], ['a', 'c']]));
      await db.inTenant(mine, async (tx) => {
        const ids = await createAssets(tx, [{ name: 'a' }, { name: 'b' }]);
        await connect(tx, ids, [['a', 'b']]);
        const id = await openIncident(tx, [{ ref: 'a', name: 'a', assetId: ids.get('a')! }]);
        expect((await facts.incidentsWithReach(tx, [id], 5))[0].downstreamAssets).toBe(1);
      });
    });
  });

  describe('full reads', () => {
    it('page through every asset, edge and incident of the tenant only, and count them', async () => {
      const t = await tenant('facts-full');
      const other = await tenant('facts-other');
      const names = Array.from({ length: 7 }, (_, i) => `n${i}`);
      await db.inTenant(t, async (tx) => {
        const ids = await createAssets(tx, names.map((name) => ({ name })));
        await connect(tx, ids, names.slice(1).map((n, i) => [names[i], n] as [string, string]));
        await assets.softDelete(tx, ids.get('n6')!);
        for (const n of names.slice(0, 5)) await openIncident(tx, [{ ref: n, name: n, assetId: ids.get(n)! }]);
        await openIncident(tx, [{ ref: 'x', name: 'x', assetId: null }]);
      });
      await db.inTenant(other, (tx) => createAssets(tx, [{ name: 'elsewhere' }]));

      const all = async <T, C>(page: (tx: TenantTx, after: C | null) => Promise<{ items: T[]; next: C | null }>) => {
        const items: T[] = [];
        let after: C | null = null;
        do {
          const p: { items: T[]; next: C | null } = await db.inTenant(t, (tx) => page(tx, after));
          items.push(...p.items);
          after = p.next;
        } while (after !== null);
        return items;
      };
      const readAssets = await all<{ qualifiedName: string; deleted: boolean }, number>((tx, after) => facts.assetsPage(tx, after, 3));
      expect(readAssets.map((a) => a.qualifiedName)).toEqual(names);
      expect(readAssets.filter((a) => a.deleted).map((a) => a.qualifiedName)).toEqual(['n6']);
      const readEdges = await all<{ from: string; to: string }, EdgeCursor>((tx, after) => facts.edgesPage(tx, after, 2));
      expect(readEdges).toEqual(names.slice(1).map((n, i) => ({ from: names[i], to: n, present: true })));
      const readIncidents = await all<{ id: string; assets: string[] }, string>((tx, after) => facts.incidentsPage(tx, after, 4));
      expect(readIncidents).toHaveLength(6);
      expect(readIncidents.map((i) => i.id)).toEqual([...readIncidents.map((i) => i.id)].sort());
      expect(readIncidents.flatMap((i) => i.assets).sort()).toEqual(names.slice(0, 5));

      expect(await db.inTenant(t, (tx) => facts.counts(tx))).toEqual({ assets: 6, edges: 6, incidents: 6, incidentLinks: 5 });
      expect(await db.inTenant(other, (tx) => facts.counts(tx))).toEqual({ assets: 1, edges: 0, incidents: 0, incidentLinks: 0 });
    });
  });
});
