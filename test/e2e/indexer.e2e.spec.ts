import { Client } from 'pg';
import type { AnalyticsCounts, AnalyticsStore, ImpactAnswer } from '@tributary/analytics';
import type { NewRecord } from '@tributary/eventlog';
import { asTenantId, HeldRecordsRepository, TenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { TcpProxy } from '../support/tcp-proxy';
import { enc, SeedAsset, TenantClient } from '../support/tenant-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-postgres';
import { waitFor } from '../support/wait-for';

/*
 *   RAW PAYMENTS [ana] ──▶ STAGING PAYMENTS [ana] ──▶ ORDERS [bo] ──▶ revenue dashboard [cy]
 *         └─────────────────────────────────────────────▲
 */
const RAW = 'snowflake/acme/RAW/PUBLIC/PAYMENTS';
const STAGED = 'snowflake/acme/STAGING/PUBLIC/PAYMENTS';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const DASHBOARD = 'looker/acme/dashboards/revenue';
const ACME: SeedAsset[] = [
  { qualifiedName: RAW, typeName: 'Table', owner: 'ana@acme.io' },
  { qualifiedName: STAGED, typeName: 'Table', owner: 'ana@acme.io' },
  { qualifiedName: ORDERS, typeName: 'Table', owner: 'bo@acme.io' },
  { qualifiedName: DASHBOARD, typeName: 'Dashboard', owner: 'cy@acme.io' },
];
const EDGES: [string, string][] = [[RAW, STAGED], [STAGED, ORDERS], [RAW, ORDERS], [ORDERS, DASHBOARD]];
const DEFAULT = asTenantId('default');

/**
 * The indexer in the all-in-one platform, through the public interface: what the API writes shows in
 * the analytics store (the embedded engine) within seconds, and stays right when the change log is
 * delivered again or one tenant's database is gone.
 */
describe('The indexer: change log -> analytics store', () => {
  let t: TestApp;
  let store: AnalyticsStore;
  let acme: TenantClient;
  let held: HeldRecordsRepository;

  /** The indexer has consumed everything on the change log (what it could not index for a tenant is held, not pending). */
  const consumed = () => waitFor('the indexer to consume the change log', async () =>
    ((await t.runtime.eventLog.lag('indexer', 'changes')) === 0 ? true : undefined), 30_000);
  /**
   * The store's counts for the tenant, once they are what is expected (the indexer is a moment behind
   * the catalog) and the indexer is idle: a write is counted before its closure is brought up to date,
   * and an answer read meanwhile may be half old.
   */
  const settled = async (tenantId: TenantId, expected: Partial<AnalyticsCounts>) => {
    const matches = (counts: AnalyticsCounts) => Object.entries(expected).every(([k, v]) => counts[k as keyof AnalyticsCounts] === v);
    await waitFor(`${tenantId}'s analytics counts ${JSON.stringify(expected)}`, async () => (matches(await store.counts(tenantId)) ? true : undefined), 30_000);
    await consumed();
    await waitFor('the indexer to hold no tenant back', async () => ((await held.tenantCount('indexer', 'changes')) === 0 ? true : undefined), 30_000);
    const counts = await store.counts(tenantId);
    expect(counts).toMatchObject(expected);
    return counts;
  };
  const downstreamOf = (tenantId: TenantId, root: string): Promise<ImpactAnswer> =>
    store.impact(tenantId, { roots: [root], direction: 'downstream', maxDepth: 10, limit: 100 });
  const reached = (answer: ImpactAnswer) => answer.assets.map((a) => [a.qualifiedName, a.depth]);
  /** Every change a tenant's outbox holds, delivered to the change log again, as a replay (or a redelivery after a crash) would. */
  const replay = async (tenantId: TenantId, databaseUrl: string, schema: string) => {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT subject, payload FROM ${schema}.change_events WHERE tenant_id = $1 ORDER BY sequence`, [tenantId])).rows;
      const records: NewRecord[] = rows.map((r) => ({ tenantId, key: r.subject, value: r.payload, headers: {} }));
      expect(records.length).toBeGreaterThan(0);
      await t.runtime.eventLog.append('changes', records);
      return records.length;
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { tenantRetryMaxMs: 1000 } });
    store = t.runtime.analytics!;
    acme = new TenantClient(t, t.adminKey);
    held = new HeldRecordsRepository(t.runtime.database);
  });
  afterAll(async () => { await t.close(); });

  describe('what the API writes', () => {
    it('reaches the store: assets with their owners, lineage, and incidents on their assets', async () => {
      await acme.assets(ACME);
      await acme.edges(EDGES);
      const incident = await acme.incident({ incidentId: 'mc-raw', tables: ['raw:public.payments'], severity: 'SEV-2', feedback: 'investigating' });
      await settled(DEFAULT, { assets: 4, edges: 4, incidents: 1, incidentLinks: 1, closurePairs: 6 });
      const impact = await downstreamOf(DEFAULT, RAW);
      expect(reached(impact)).toEqual([[DASHBOARD, 2], [ORDERS, 1], [STAGED, 1]]);
      expect(impact.owners).toEqual(expect.arrayContaining([{ owner: 'ana@acme.io', assets: 1 }, { owner: 'bo@acme.io', assets: 1 }, { owner: 'cy@acme.io', assets: 1 }]));
      expect(await store.blastRadius(DEFAULT, 10)).toEqual([{ incidentId: incident.id, assets: 3 }]);
    });

    it('follows removals: a removed edge and a deleted asset leave the answers', async () => {
      await t.http().delete('/v1/lineage').set(acme.auth).send({ edges: [{ from: RAW, to: ORDERS }] }).expect(200);
      await t.http().delete(`/v1/assets/${enc(DASHBOARD)}`).set(acme.auth).expect(200);
      await settled(DEFAULT, { assets: 3, edges: 2, closurePairs: 3 });
      // ORDERS now two hops away, through STAGING; the dashboard gone
      expect(await downstreamOf(DEFAULT, RAW)).toMatchObject({
        total: 2, byDepth: [{ depth: 1, count: 1 }, { depth: 2, count: 1 }], assets: [{ qualifiedName: ORDERS, depth: 2 }, { qualifiedName: STAGED, depth: 1 }],
      });
    });

    it('counts what it indexed, how long a batch took, and how fresh the store is', async () => {
      const scrape = (await t.http().get('/metrics').set(acme.auth).expect(200)).text;
      expect(scrape).toMatch(/^tributary_indexer_changes_total\{[^}]*tenant="default"[^}]*\} [1-9]\d*$/m);
      expect(scrape).toMatch(/^tributary_indexer_batch_seconds_count\{[^}]*\} [1-9]\d*$/m);
      expect(scrape).toMatch(/^tributary_analytics_freshness_seconds_count\{[^}]*\} [1-9]\d*$/m);
    });
  });

  describe('a replayed change log', () => {
    it('changes nothing: every change delivered again, oldest first, leaves the same answers (a deleted asset stays deleted)', async () => {
      await consumed();
      const counts = await store.counts(DEFAULT);
      const impact = await downstreamOf(DEFAULT, RAW);
      await replay(DEFAULT, t.databaseUrl, 'tenant_pooled');
      await consumed();
      expect(await store.counts(DEFAULT)).toEqual(counts);
      expect(await downstreamOf(DEFAULT, RAW)).toEqual(impact);
      expect((await store.impact(DEFAULT, { roots: [ORDERS], direction: 'downstream', maxDepth: 10, limit: 100 })).total).toBe(0);
    });
  });

  describe('a tenant whose database is gone', () => {
    let proxy: TcpProxy;
    let brokenDb: { url: string; drop: () => Promise<void> };
    afterAll(async () => {
      await proxy?.down();
      await brokenDb?.drop();
    });

    it('is held back alone: the other tenant is indexed meanwhile, and it catches up once its database is back', async () => {
      brokenDb = await createTestDatabase();
      proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(brokenDb.url).port) });
      const viaProxy = new URL(brokenDb.url);
      viaProxy.port = String(proxy.port);
      // `broken` sorts before `default`: a batch meets it first
      const created = await t.http().post('/v1/tenants').set(acme.auth).send({ id: 'broken', name: 'Broken', placement: 'dedicated', databaseUrl: viaProxy.toString() });
      expect(created.status).toBe(201);
      const broken = asTenantId('broken');
      const brokenClient = new TenantClient(t, created.body.adminKey);
      await brokenClient.assets(ACME.slice(0, 3));
      await brokenClient.edges([[RAW, STAGED], [STAGED, ORDERS]]);
      const indexed = await settled(broken, { assets: 3, edges: 2, closurePairs: 3 });

      // the store forgets the tenant, its database goes, and its changes come round again: the indexer cannot read their state
      await store.reset(broken);
      await proxy.down();
      await replay(broken, brokenDb.url, 'tributary_data');
      await acme.assets([{ qualifiedName: 'snowflake/acme/RAW/PUBLIC/REFUNDS', typeName: 'Table' }]);
      await acme.edges([['snowflake/acme/RAW/PUBLIC/REFUNDS', ORDERS]]);
      await waitFor('the healthy tenant\'s new edge in the store', async () =>
        ((await store.impact(DEFAULT, { roots: ['snowflake/acme/RAW/PUBLIC/REFUNDS'], direction: 'downstream', maxDepth: 10, limit: 10 })).total === 1 ? true : undefined), 30_000);
      await consumed();
      expect((await store.counts(broken)).assets).toBe(0);
      const scrape = (await t.http().get('/metrics').set(acme.auth).expect(200)).text;
      expect(scrape).toMatch(/^tributary_held_records\{[^}]*group="indexer"[^}]*tenant="broken"[^}]*\} [1-9]\d*$/m);

      await proxy.up();
      expect(await settled(broken, { assets: 3, edges: 2, closurePairs: 3 })).toEqual(indexed);
      expect(reached(await downstreamOf(broken, RAW))).toEqual([[ORDERS, 2], [STAGED, 1]]);
      expect((await brokenClient.get('/v1/dead-letters').expect(200)).body.items).toEqual([]);
    });
  });
});
