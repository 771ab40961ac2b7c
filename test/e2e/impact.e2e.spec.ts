import { isDeepStrictEqual } from 'node:util';
import { platformApp } from '../../apps/platform/src/platform.app';
import { startTestApp, TestApp } from '../support/test-app';
import { enc, SeedAsset, TenantClient } from '../support/tenant-client';

/*
 * The acme graph (owners in brackets):
 *
 *   RAW PAYMENTS [ana] ──▶ STAGING PAYMENTS [ana] ──▶ ORDERS [bo] ──▶ revenue dashboard [cy]
 *         └──────────────▶ RAW CUSTOMERS ──────────────────────────────────▲        ORDERS ──▶ orders report [bo]
 *
 * From RAW PAYMENTS downstream: STAGING and CUSTOMERS at 1, ORDERS and the dashboard at 2 (through
 * CUSTOMERS, though 3 through ORDERS), the report at 3.
 */
const PAYMENTS = 'snowflake/acme/RAW/PUBLIC/PAYMENTS';
const STAGED = 'snowflake/acme/STAGING/PUBLIC/PAYMENTS';
const CUSTOMERS = 'snowflake/acme/RAW/PUBLIC/CUSTOMERS';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const DASHBOARD = 'looker/acme/dashboards/revenue';
const REPORT = 'looker/acme/reports/orders';
const ACME: SeedAsset[] = [
  { qualifiedName: PAYMENTS, typeName: 'Table', owner: 'ana@acme.io' },
  { qualifiedName: STAGED, typeName: 'Table', owner: 'ana@acme.io' },
  { qualifiedName: CUSTOMERS, typeName: 'Table' },
  { qualifiedName: ORDERS, typeName: 'Table', owner: 'bo@acme.io' },
  { qualifiedName: DASHBOARD, typeName: 'Dashboard', owner: 'cy@acme.io' },
  { qualifiedName: REPORT, typeName: 'Report', owner: 'bo@acme.io' },
];
const EDGES: [string, string][] = [[PAYMENTS, STAGED], [STAGED, ORDERS], [PAYMENTS, CUSTOMERS], [CUSTOMERS, DASHBOARD], [ORDERS, DASHBOARD], [ORDERS, REPORT]];
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
/** A chain longer than the store's closure (6 hops): chain/00 ──▶ chain/01 ──▶ … ──▶ chain/09. */
const CHAIN = Array.from({ length: 10 }, (_, i) => `chain/${String(i).padStart(2, '0')}`);

type Impact = {
  total: number; maxDepth: number; byDepth: { depth: number; count: number }[]; byType: { typeName: string; count: number }[];
  owners: { owner: string; assets: number }[]; assets: { qualifiedName: string; typeName: string; depth: number; owner: string | null }[];
  nextCursor: string | null; root?: string; direction?: string; incident?: Record<string, unknown>;
};
const asset = (qualifiedName: string, depth: number) => {
  const a = ACME.find((x) => x.qualifiedName === qualifiedName)!;
  return { qualifiedName, typeName: a.typeName, depth, owner: a.owner ?? null };
};

describe('Impact API', () => {
  let t: TestApp;
  let acme: TenantClient;
  let other: TenantClient;
  let onPayments: string;
  let onCustomersAndOrders: string;
  let onNothingKnown: string;
  const assetImpact = (qn: string, query = '') => `/v1/impact/assets/${enc(qn)}?${query}`;

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    acme = new TenantClient(t, t.adminKey);
    await acme.assets(ACME);
    await acme.edges(EDGES);
    await acme.assets(CHAIN.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })));
    await acme.edges(CHAIN.slice(1).map((to, i) => [CHAIN[i], to]));
    onPayments = (await acme.incident({ incidentId: 'mc-payments', tables: ['raw:public.payments'], severity: 'SEV-2' })).id;
    onCustomersAndOrders = (await acme.incident({ incidentId: 'mc-two', tables: ['raw:public.customers', 'analytics:public.orders'] })).id;
    onNothingKnown = (await acme.incident({ incidentId: 'mc-unknown', tables: ['raw:public.nowhere'] })).id;
    // A second tenant with the same names and a smaller graph: PAYMENTS ──▶ STAGING only.
    const created = await t.http().post('/v1/tenants').set(acme.auth).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201);
    other = new TenantClient(t, created.body.adminKey);
    await other.assets(ACME.slice(0, 2));
    await other.edges([[PAYMENTS, STAGED]]);
  });
  afterAll(async () => { await t.close(); });

  describe('GET /v1/impact/incidents/{id}', () => {
    it('counts the assets downstream of the incident\'s asset by depth, type and owner, each once at its shortest depth', async () => {
      const expected = {
        incident: { id: onPayments, type: 'volume', severity: 'SEV-2', status: 'open', assets: [PAYMENTS] },
        maxDepth: 5, total: 5,
        byDepth: [{ depth: 1, count: 2 }, { depth: 2, count: 2 }, { depth: 3, count: 1 }],
        // most first, ties by name
        byType: [{ typeName: 'Table', count: 3 }, { typeName: 'Dashboard', count: 1 }, { typeName: 'Report', count: 1 }],
        // CUSTOMERS has no owner: left out of owners, counted everywhere else
        owners: [{ owner: 'bo@acme.io', assets: 2 }, { owner: 'ana@acme.io', assets: 1 }, { owner: 'cy@acme.io', assets: 1 }],
        // qualified-name order, bytewise
        assets: [asset(DASHBOARD, 2), asset(REPORT, 3), asset(ORDERS, 2), asset(CUSTOMERS, 1), asset(STAGED, 1)],
        nextCursor: null,
      };
      // waits for this very answer: the six edges may reach the store in more than one batch, and five assets at other depths are a half-indexed graph
      expect(await acme.eventually<Impact>(`/v1/impact/incidents/${onPayments}`, (b) => isDeepStrictEqual(b, expected))).toEqual(expected);
    });

    it('stops at the depth asked for', async () => {
      const body = (await acme.get(`/v1/impact/incidents/${onPayments}?depth=1`).expect(200)).body as Impact;
      expect(body).toMatchObject({ maxDepth: 1, total: 2, byDepth: [{ depth: 1, count: 2 }], byType: [{ typeName: 'Table', count: 2 }],
        owners: [{ owner: 'ana@acme.io', assets: 1 }], assets: [asset(CUSTOMERS, 1), asset(STAGED, 1)] });
    });

    it('pages the assets with the cursor, the totals the same on every page', async () => {
      const pages: Impact[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page: Impact = (await acme.get(`/v1/impact/incidents/${onPayments}?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200)).body;
        pages.push(page);
        cursor = page.nextCursor;
      }
      expect(pages.map((p) => p.assets.map((a) => a.qualifiedName))).toEqual([[DASHBOARD, REPORT], [ORDERS, CUSTOMERS], [STAGED]]);
      expect(pages.map((p) => [p.total, p.byDepth])).toEqual(pages.map(() => [5, [{ depth: 1, count: 2 }, { depth: 2, count: 2 }, { depth: 3, count: 1 }]]));
    });

    it('starts from every asset of the incident and counts none of them', async () => {
      const body = await acme.eventually<Impact>(`/v1/impact/incidents/${onCustomersAndOrders}`, (b) => b.total === 2);
      expect(body).toMatchObject({ incident: { status: 'open', severity: null, assets: [ORDERS, CUSTOMERS] }, total: 2,
        byDepth: [{ depth: 1, count: 2 }], assets: [asset(DASHBOARD, 1), asset(REPORT, 1)] });
    });

    it('an incident on no catalog asset reaches nothing', async () => {
      const body = (await acme.get(`/v1/impact/incidents/${onNothingKnown}`).expect(200)).body as Impact;
      expect(body).toMatchObject({ incident: { id: onNothingKnown, assets: [] }, total: 0, byDepth: [], byType: [], owners: [], assets: [], nextCursor: null });
    });
  });

  describe('GET /v1/impact/assets/{qualifiedName}', () => {
    it('answers downstream by default, as the incident does from the same asset', async () => {
      const body = await acme.eventually<Impact>(assetImpact(PAYMENTS), (b) => b.total === 5);
      const fromIncident = (await acme.get(`/v1/impact/incidents/${onPayments}`).expect(200)).body as Impact;
      const { incident: _, ...reach } = fromIncident;
      expect(body).toEqual({ root: PAYMENTS, direction: 'downstream', ...reach });
    });

    it('walks upstream', async () => {
      const body = await acme.eventually<Impact>(assetImpact(DASHBOARD, 'direction=upstream'), (b) => b.total === 4);
      expect(body).toMatchObject({ root: DASHBOARD, direction: 'upstream', maxDepth: 5, total: 4,
        byDepth: [{ depth: 1, count: 2 }, { depth: 2, count: 2 }],
        byType: [{ typeName: 'Table', count: 4 }], owners: [{ owner: 'ana@acme.io', assets: 2 }, { owner: 'bo@acme.io', assets: 1 }],
        assets: [asset(ORDERS, 1), asset(CUSTOMERS, 1), asset(PAYMENTS, 2), asset(STAGED, 2)], nextCursor: null });
      const near = (await acme.get(assetImpact(DASHBOARD, 'direction=upstream&depth=1')).expect(200)).body as Impact;
      expect(near.assets.map((a) => a.qualifiedName)).toEqual([ORDERS, CUSTOMERS]);
    });

    it('walks past the closure table\'s depth, each asset at its own depth', async () => {
      const body = await acme.eventually<Impact>(assetImpact(CHAIN[0], 'depth=50'), (b) => b.total === 9);
      expect([body.maxDepth, body.byDepth, body.assets]).toEqual([50, CHAIN.slice(1).map((_, i) => ({ depth: i + 1, count: 1 })),
        CHAIN.slice(1).map((qualifiedName, i) => ({ qualifiedName, typeName: 'Table', depth: i + 1, owner: null }))]);
      const eight = (await acme.get(assetImpact(CHAIN[0], 'depth=8&limit=3')).expect(200)).body as Impact;
      expect([eight.total, eight.byDepth.at(-1), eight.assets.map((a) => a.qualifiedName)]).toEqual([8, { depth: 8, count: 1 }, CHAIN.slice(1, 4)]);
      const up = (await acme.get(assetImpact(CHAIN[9], 'direction=upstream&depth=9')).expect(200)).body as Impact;
      expect([up.total, up.assets[0]]).toEqual([9, { qualifiedName: CHAIN[0], typeName: 'Table', depth: 9, owner: null }]);
    });

    it('an asset at the end of the lineage reaches nothing downstream', async () => {
      expect((await acme.get(assetImpact(REPORT)).expect(200)).body).toMatchObject({ root: REPORT, total: 0, assets: [], nextCursor: null });
    });
  });

  describe('tenant isolation', () => {
    it('a second tenant with the same names sees only its own graph', async () => {
      const body = await other.eventually<Impact>(assetImpact(PAYMENTS), (b) => b.total === 1);
      expect(body).toEqual({ root: PAYMENTS, direction: 'downstream', maxDepth: 5, total: 1, byDepth: [{ depth: 1, count: 1 }],
        byType: [{ typeName: 'Table', count: 1 }], owners: [{ owner: 'ana@acme.io', assets: 1 }], assets: [asset(STAGED, 1)], nextCursor: null });
      expect((await acme.get(assetImpact(PAYMENTS)).expect(200)).body.total).toBe(5);
    });

    it('another tenant\'s incident id and an asset only another tenant has are 404', async () => {
      const incident = await other.get(`/v1/impact/incidents/${onPayments}`);
      expect([incident.status, incident.body.error.code]).toEqual([404, 'incident_not_found']);
      const orders = await other.get(assetImpact(ORDERS));
      expect([orders.status, orders.body.error.code]).toEqual([404, 'asset_not_found']);
    });
  });

  describe('roles', () => {
    it('a viewer reads impact; the write-only ingest role may not', async () => {
      const keyWith = async (role: string) => new TenantClient(t, (await t.http().post('/v1/api-keys').set(acme.auth)
        .send({ name: role, roles: [role] }).expect(201)).body.key);
      const [viewer, ingest] = [await keyWith('viewer'), await keyWith('ingest')];
      for (const path of [`/v1/impact/incidents/${onPayments}`, assetImpact(PAYMENTS)]) {
        expect([path, (await viewer.get(path)).status]).toEqual([path, 200]);
        const refused = await ingest.get(path);
        expect([path, refused.status, refused.body.error.code]).toEqual([path, 403, 'role_required']);
      }
    });
  });

  describe('bad input', () => {
    it.each([
      ['depth 0', 'depth=0', 'depth'], ['depth 11 (at most 10 from an incident)', 'depth=11', 'depth'], ['a depth that is no number', 'depth=deep', 'depth'],
      ['limit 0', 'limit=0', 'limit'], ['limit 501', 'limit=501', 'limit'], ['a parameter only assets take', 'direction=upstream', 'direction'],
    ])('incident impact with %s: 422 invalid_query naming the parameter', async (_what, query, param) => {
      const res = await acme.get(`/v1/impact/incidents/${onPayments}?${query}`);
      expect([res.status, res.body.error.code, res.body.error.details.issues[0].path]).toEqual([422, 'invalid_query', param]);
    });

    it.each([
      ['depth 51', 'depth=51', 'depth'], ['an unknown direction', 'direction=sideways', 'direction'], ['a fractional depth', 'depth=1.5', 'depth'],
    ])('asset impact with %s: 422 invalid_query naming the parameter', async (_what, query, param) => {
      const res = await acme.get(assetImpact(PAYMENTS, query));
      expect([res.status, res.body.error.code, res.body.error.details.issues[0].path]).toEqual([422, 'invalid_query', param]);
    });

    it('a cursor the endpoint did not give is 400 invalid_cursor', async () => {
      const res = await acme.get(assetImpact(PAYMENTS, 'cursor=xyz!'));
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_cursor']);
    });

    it('an unknown incident or asset is 404, a malformed incident id 400', async () => {
      const unknown = await acme.get(`/v1/impact/incidents/${UNKNOWN_UUID}`);
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'incident_not_found']);
      const missing = await acme.get(assetImpact('snowflake/acme/NOPE'));
      expect([missing.status, missing.body.error.code]).toEqual([404, 'asset_not_found']);
      const malformed = await acme.get('/v1/impact/incidents/not-an-id');
      expect([malformed.status, malformed.body.error.code]).toEqual([400, 'invalid_path']);
    });
  });
});
