import { randomBytes, randomUUID } from 'node:crypto';
import type { FactBatch } from '@tributary/analytics';
import { AssetsService, IncidentsService, LineageService, WriteContext } from '@tributary/catalog';
import { ChangeEventRecord, changeEventCodec, IncidentObservation } from '@tributary/contracts';
import { asTenantId, ChangeEventsRepository, Database, POOLED_SCHEMA, SecretBox, TenantId, TenantsRepository } from '@tributary/store';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { FactReader } from './fact-reader';
import { planRefresh } from './refresh-plan';

/**
 * The indexer's read step on a real PostgreSQL: the catalog's services write, their change feed is
 * decoded as the change log carries it, planned, and read back as the facts of the current state.
 */
describe(FactReader.name, () => {
  let home: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let reader: FactReader;
  let seen = 0;
  let lastChanges: ChangeEventRecord[] = [];
  const changes = new ChangeEventsRepository();

  const tenant = async (id: string): Promise<{ tenantId: TenantId; ctx: WriteContext }> => {
    const tenantId = asTenantId(id);
    await new TenantsRepository(db).insert({ id: tenantId, name: id, placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    await db.provision({ tenantId, placement: 'pooled', dataSchema: POOLED_SCHEMA });
    seen = 0;
    return { tenantId, ctx: { tenantId, actor: 'system', origin: 'api', traceparent: null } };
  };
  /** The changes written since the last call, decoded from their change log bodies. */
  const newChanges = async (tenantId: TenantId) => {
    const rows = await db.inTenant(tenantId, (tx) => changes.listAfter(tx, seen, 10_000));
    seen = rows.at(-1)?.sequence ?? seen;
    return rows.map((r) => changeEventCodec.decode(r.payload!));
  };
  const indexNew = async (tenantId: TenantId): Promise<FactBatch> => {
    lastChanges = await newChanges(tenantId);
    return reader.read(tenantId, planRefresh(lastChanges));
  };
  const observation = (over: Partial<IncidentObservation>): IncidentObservation => ({
    source: 'montecarlo', externalId: randomUUID(), type: 'freshness', rawType: 'open_freshness_anomaly_incident', severity: 'SEV-2', status: 'open',
    rawStatus: 'no_status', title: null, url: null, owner: null, tables: [], sourceTime: null, deliveryKey: randomUUID(), statedFields: null, ...over,
  });
  const observe = (service: IncidentsService, ctx: WriteContext, o: IncidentObservation, receivedAt: Date) =>
    service.apply(ctx, [{ observation: o, connectorId: 'mc', receivedAt, traceparent: null }]);

  beforeAll(async () => {
    home = await createTestDatabase();
    db = await Database.open({ url: home.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
    reader = new FactReader(db);
  });
  afterAll(async () => {
    await db?.close();
    await home?.drop();
  });

  it('reads the assets and edges a batch touched, at their current state, stamped with their newest change', async () => {
    const { tenantId, ctx } = await tenant('reader-lineage');
    const assets = new AssetsService(db);
    const lineage = new LineageService(db);
    await assets.upsert(ctx, [{ qualifiedName: 'raw', typeName: 'Table', attributes: { owner: 'ana' } }, { qualifiedName: 'mart', typeName: 'View' },
      { qualifiedName: 'dash', typeName: 'Dashboard', attributes: { owner: ['x'] } }]);
    await lineage.add(ctx, [{ from: 'raw', to: 'mart' }, { from: 'mart', to: 'dash' }]);
    await assets.upsert(ctx, [{ qualifiedName: 'raw', typeName: 'Table', attributes: { owner: 'bo' } }]);
    await assets.delete(ctx, 'dash');
    const batch = await indexNew(tenantId);
    // raw: created 1, updated 6; mart 2; dash: created 3, its edge removed 7, deleted 8; edges added 4, 5
    expect(batch.assets).toEqual([
      { qualifiedName: 'dash', typeName: 'Dashboard', owner: null, deleted: true, version: 8 },
      { qualifiedName: 'mart', typeName: 'View', owner: null, deleted: false, version: 2 },
      { qualifiedName: 'raw', typeName: 'Table', owner: 'bo', deleted: false, version: 6 },
    ]);
    expect(batch.edges).toEqual([{ from: 'mart', to: 'dash', present: false, version: 7 }, { from: 'raw', to: 'mart', present: true, version: 4 }]);
    expect(batch.incidents).toBeUndefined();
  });

  it('reads an incident\'s current state and times, with the assets it is on', async () => {
    const { tenantId, ctx } = await tenant('reader-incidents');
    await new AssetsService(db).upsert(ctx, [{ qualifiedName: 'orders', typeName: 'Table' }]);
    const incidents = new IncidentsService(db);
    const first = observation({ tables: [{ ref: 'db:orders', qualifiedName: 'orders' }] });
    await observe(incidents, ctx, first, new Date('2026-12-01T10:00:00Z'));
    await observe(incidents, ctx, { ...first, rawStatus: 'investigating', deliveryKey: randomUUID(), statedFields: ['rawStatus'] }, new Date('2026-12-01T10:05:00Z'));
    await observe(incidents, ctx, { ...first, status: 'resolved', rawStatus: 'fixed', deliveryKey: randomUUID(), statedFields: ['status', 'rawStatus'] },
      new Date('2026-12-01T11:00:00Z'));
    const batch = await indexNew(tenantId);
    expect(batch.incidents).toEqual([expect.objectContaining({
      source: 'montecarlo', type: 'freshness', severity: 'SEV-2', status: 'resolved', openedAt: new Date('2026-12-01T10:00:00Z'),
      acknowledgedAt: new Date('2026-12-01T10:05:00Z'), resolvedAt: new Date('2026-12-01T11:00:00Z'), assets: ['orders'],
    })]);
    // the incident's newest change, not the health change written after it
    expect(batch.incidents![0].version).toBe(lastChanges.find((c) => c.type === 'incident.resolved')!.sequence);
    expect(lastChanges.at(-1)!.type).toBe('asset.health.changed');
  });

  it('refreshes an incident whose table becomes an asset after it was reported, when the asset is created', async () => {
    const { tenantId, ctx } = await tenant('reader-late');
    const reported = observation({ tables: [{ ref: 'db:late', qualifiedName: 'late' }] });
    await observe(new IncidentsService(db), ctx, reported, new Date('2026-12-01T10:00:00Z'));
    expect((await indexNew(tenantId)).incidents).toEqual([expect.objectContaining({ assets: [] })]);
    await new AssetsService(db).upsert(ctx, [{ qualifiedName: 'late', typeName: 'Table' }]);
    const batch = await indexNew(tenantId);
    expect(batch.assets).toEqual([expect.objectContaining({ qualifiedName: 'late', deleted: false })]);
    expect(batch.incidents).toEqual([expect.objectContaining({ assets: ['late'], version: batch.assets![0].version })]);
  });

  it('reads nothing for a batch of changes that touch no fact', async () => {
    const { tenantId } = await tenant('reader-nothing');
    expect(await reader.read(tenantId, planRefresh([]))).toEqual({});
  });
});
