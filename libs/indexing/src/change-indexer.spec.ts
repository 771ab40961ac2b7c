import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnalyticsStore, openAnalyticsStore } from '@tributary/analytics';
import { AssetsService, IncidentsService, LineageService, WriteContext } from '@tributary/catalog';
import { ChangeEventRecord, changeEventCodec } from '@tributary/contracts';
import { asTenantId, ChangeEventsRepository, Database, POOLED_SCHEMA, SecretBox, TenantId, TenantsRepository } from '@tributary/store';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { AnalyticsRebuild } from './analytics-rebuild';
import { ChangeIndexer } from './change-indexer';
import { FactReader } from './fact-reader';

/**
 * The indexer's step and the rebuild on real engines: PostgreSQL written by the catalog's services,
 * the change feed decoded as the change log carries it, the ClickHouse engine in-process (chdb, one
 * data directory for this file).
 */
describe(ChangeIndexer.name, () => {
  let home: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let db: Database;
  let store: AnalyticsStore;
  let indexer: ChangeIndexer;
  const changes = new ChangeEventsRepository();

  const tenant = async (id: string): Promise<{ tenantId: TenantId; ctx: WriteContext }> => {
    const tenantId = asTenantId(id);
    await new TenantsRepository(db).insert({ id: tenantId, name: id, placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    await db.provision({ tenantId, placement: 'pooled', dataSchema: POOLED_SCHEMA });
    return { tenantId, ctx: { tenantId, actor: 'system', origin: 'api', traceparent: null } };
  };
  const feed = async (tenantId: TenantId): Promise<ChangeEventRecord[]> =>
    (await db.inTenant(tenantId, (tx) => changes.listAfter(tx, 0, 10_000))).map((r) => changeEventCodec.decode(r.payload!));
  const downstream = (tenantId: TenantId, root: string) =>
    store.impact(tenantId, { roots: [root], direction: 'downstream', maxDepth: 10, limit: 100 }).then((a) => a.assets.map((x) => [x.qualifiedName, x.depth]));
  /** A small catalog's whole life: created, linked, an incident on it, then an edge removed and an asset deleted. */
  const history = async (ctx: WriteContext) => {
    await new AssetsService(db).upsert(ctx, ['a', 'b', 'c', 'd'].map((qualifiedName) => ({ qualifiedName, typeName: 'Table', attributes: { owner: `${qualifiedName}@x.io` } })));
    await new LineageService(db).add(ctx, [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'a', to: 'c' }, { from: 'c', to: 'd' }]);
    await new IncidentsService(db).apply(ctx, [{ connectorId: 'mc', receivedAt: new Date('2026-12-01T10:00:00Z'), traceparent: null, observation: {
      source: 'montecarlo', externalId: randomUUID(), type: 'freshness', rawType: 'open_freshness_anomaly_incident', severity: 'SEV-2', status: 'open',
      rawStatus: 'investigating', title: null, url: null, owner: null, tables: [{ ref: 'db:a', qualifiedName: 'a' }], sourceTime: null,
      deliveryKey: randomUUID(), statedFields: null } }]);
    await new LineageService(db).remove(ctx, [{ from: 'a', to: 'c' }]);
    await new AssetsService(db).delete(ctx, 'd');
  };

  beforeAll(async () => {
    home = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tributary-indexer-spec-'));
    db = await Database.open({ url: home.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
    store = await openAnalyticsStore({ path: join(dataDir, 'clickhouse'), databaseOf: async () => 'tributary' });
    await store.migrate();
    indexer = new ChangeIndexer(new FactReader(db), store);
  });
  afterAll(async () => {
    await store?.close();
    await db?.close();
    await home?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('brings the current state into the store, whatever batches the changes come in', async () => {
    const { tenantId, ctx } = await tenant('indexed-in-batches');
    await history(ctx);
    const events = await feed(tenantId);
    for (let i = 0; i < events.length; i += 3) expect(await indexer.index(tenantId, events.slice(i, i + 3))).toEqual([]);
    expect(await store.counts(tenantId)).toMatchObject({ edges: 2, incidents: 1, incidentLinks: 1 });
    expect(await downstream(tenantId, 'a')).toEqual([['b', 1], ['c', 2]]);
  });

  it('ends in the same state when the changes are delivered again, newest batch first (a replay, a redelivery)', async () => {
    const { tenantId, ctx } = await tenant('indexed-replayed');
    await history(ctx);
    const events = await feed(tenantId);
    await indexer.index(tenantId, events);
    const [counts, impact] = [await store.counts(tenantId), await downstream(tenantId, 'a')];
    for (let end = events.length; end > 0; end -= 4) await indexer.index(tenantId, events.slice(Math.max(0, end - 4), end));
    expect(await store.counts(tenantId)).toEqual(counts);
    expect(await downstream(tenantId, 'a')).toEqual(impact);
    expect(await downstream(tenantId, 'c')).toEqual([]);
  });

  it('returns the changes whose data names nothing, and indexes the rest', async () => {
    const { tenantId, ctx } = await tenant('indexed-rejected');
    await new AssetsService(db).upsert(ctx, [{ qualifiedName: 'only', typeName: 'Table' }]);
    const [created] = await feed(tenantId);
    const bad = { ...created, sequence: created.sequence + 1, type: 'incident.opened', data: '{}' };
    expect(await indexer.index(tenantId, [created, bad])).toEqual([{ event: bad, reason: 'incident.opened without a UUID in data.incidentId' }]);
    expect((await store.counts(tenantId)).assets).toBe(1);
  });

  describe(AnalyticsRebuild.name, () => {
    it('reloads a tenant from PostgreSQL into the state indexing left, and finds the counts equal', async () => {
      const { tenantId, ctx } = await tenant('rebuilt');
      await history(ctx);
      await indexer.index(tenantId, await feed(tenantId));
      const [counts, impact] = [await store.counts(tenantId), await downstream(tenantId, 'a')];
      const report = await new AnalyticsRebuild(db, store, 2).rebuild(tenantId);
      expect(report).toMatchObject({ tenantId, equal: true, closurePairs: counts.closurePairs });
      expect(report.version).toBe((await feed(tenantId)).at(-1)!.sequence);
      expect(await store.counts(tenantId)).toEqual(counts);
      expect(await downstream(tenantId, 'a')).toEqual(impact);
    });

    it('leaves the other tenants as they are', async () => {
      const { tenantId: kept, ctx } = await tenant('rebuild-neighbour');
      await history(ctx);
      await indexer.index(kept, await feed(kept));
      const before = await store.counts(kept);
      const { tenantId: other } = await tenant('rebuild-other');
      await new AnalyticsRebuild(db, store).rebuild(other);
      expect(await store.counts(kept)).toEqual(before);
    });
  });
});
