import { platformApp } from '../../apps/platform/src/platform.app';
import { startTestApp, TestApp } from '../support/test-app';
import { SeedAsset, TenantClient } from '../support/tenant-client';

/*
 * The acme graph of the impact spec: PAYMENTS ──▶ STAGED ──▶ ORDERS ──▶ DASHBOARD, PAYMENTS ──▶
 * CUSTOMERS ──▶ DASHBOARD, ORDERS ──▶ REPORT. Incidents at known times, counted from a day 40 days
 * back (BASE, midnight UTC):
 *
 *   A  PAYMENTS            freshness SEV-1  opened BASE+9h, acknowledged +30 min, resolved BASE+11h
 *   B  CUSTOMERS, ORDERS   volume    SEV-2  opened BASE+15h, open
 *   C  STAGED              volume    none   opened BASE+1d+8h, resolved BASE+2d+8h (never acknowledged)
 *   D  PAYMENTS            volume    SEV-3  opened now (no source time), open
 */
const PAYMENTS = 'snowflake/acme/RAW/PUBLIC/PAYMENTS';
const STAGED = 'snowflake/acme/STAGING/PUBLIC/PAYMENTS';
const CUSTOMERS = 'snowflake/acme/RAW/PUBLIC/CUSTOMERS';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const DASHBOARD = 'looker/acme/dashboards/revenue';
const REPORT = 'looker/acme/reports/orders';
const ACME: SeedAsset[] = [
  { qualifiedName: PAYMENTS, typeName: 'Table' }, { qualifiedName: STAGED, typeName: 'Table' }, { qualifiedName: CUSTOMERS, typeName: 'Table' },
  { qualifiedName: ORDERS, typeName: 'Table' }, { qualifiedName: DASHBOARD, typeName: 'Dashboard' }, { qualifiedName: REPORT, typeName: 'Report' },
];
const EDGES: [string, string][] = [[PAYMENTS, STAGED], [STAGED, ORDERS], [PAYMENTS, CUSTOMERS], [CUSTOMERS, DASHBOARD], [ORDERS, DASHBOARD], [ORDERS, REPORT]];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Math.floor((Date.now() - 40 * DAY) / DAY) * DAY;
const at = (ms: number) => new Date(BASE + ms).toISOString();

type Hotspots = { window: string; since: string; items: { qualifiedName: string; upstreamOpenIncidents: number; upstreamIncidents: number }[] };
type Point = { time: string; opened: number; resolved: number; openAtEnd: number };
type Trends = { from: string; to: string; granularity: string; groupBy: string; engine: string; series: { key: string; points: Point[] }[] };
type Summary = { from: string; to: string; engine: string; openNow: number; opened: number; resolved: number;
  meanSecondsToAcknowledge: number | null; meanSecondsToResolve: number | null };

const point = (day: number, opened: number, resolved: number, openAtEnd: number): Point => ({ time: at(day * DAY), opened, resolved, openAtEnd });
const ranked = (items: Hotspots['items']) => items.map((i) => [i.qualifiedName, i.upstreamOpenIncidents, i.upstreamIncidents]);

describe('Analytics API', () => {
  let t: TestApp;
  let acme: TenantClient;
  let other: TenantClient;

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    acme = new TenantClient(t, t.adminKey);
    await acme.assets(ACME);
    await acme.edges(EDGES);
    const a = { incidentId: 'mc-a', type: 'open_freshness_anomaly_incident', tables: ['raw:public.payments'], severity: 'SEV-1' };
    await acme.incident({ ...a, updatedTime: at(9 * HOUR) });
    await acme.incident({ ...a, updatedTime: at(9.5 * HOUR), feedback: 'investigating' });
    await acme.incident({ ...a, updatedTime: at(11 * HOUR), feedback: 'fixed' });
    await acme.incident({ incidentId: 'mc-b', tables: ['raw:public.customers', 'analytics:public.orders'], severity: 'SEV-2', updatedTime: at(15 * HOUR) });
    const c = { incidentId: 'mc-c', tables: ['staging:public.payments'] };
    await acme.incident({ ...c, updatedTime: at(DAY + 8 * HOUR) });
    await acme.incident({ ...c, updatedTime: at(2 * DAY + 8 * HOUR), feedback: 'fixed' });
    await acme.incident({ incidentId: 'mc-d', tables: ['raw:public.payments'], severity: 'SEV-3' });
    // A second tenant with the same names and one incident of its own.
    const created = await t.http().post('/v1/tenants').set(acme.auth).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201);
    other = new TenantClient(t, created.body.adminKey);
    await other.assets(ACME.slice(0, 2));
    await other.edges([[PAYMENTS, STAGED]]);
    await other.incident({ incidentId: 'mc-a', type: 'open_freshness_anomaly_incident', tables: ['raw:public.payments'], updatedTime: at(DAY + 10 * HOUR) });
  });
  afterAll(async () => { await t.close(); });

  describe('GET /v1/analytics/lineage/hotspots', () => {
    it('ranks assets by the open incidents upstream of them, counting those opened in the window beside', async () => {
      // D is acme's last write and the indexer applies a tenant's changes in order: STAGED's one
      // incident upstream opened in the window is D, so once it counts, every earlier change does too
      // (two open upstream of DASHBOARD also holds earlier, while C's fix is still to come)
      const body = await acme.eventually<Hotspots>('/v1/analytics/lineage/hotspots',
        (b) => b.items.some((i) => i.qualifiedName === STAGED && i.upstreamIncidents === 1));
      expect(body.window).toBe('30d');
      expect(Date.now() - Date.parse(body.since)).toBeGreaterThanOrEqual(30 * DAY);
      expect(Date.now() - Date.parse(body.since)).toBeLessThan(30 * DAY + 60_000);
      // open upstream: B (on CUSTOMERS and ORDERS, counted once) and D (on PAYMENTS); in the last 30 days only D opened.
      // An asset's own incidents are not upstream of it; PAYMENTS has nothing upstream. Ties in qualified-name order.
      expect(ranked(body.items)).toEqual([[DASHBOARD, 2, 1], [REPORT, 2, 1], [ORDERS, 1, 1], [CUSTOMERS, 1, 1], [STAGED, 1, 1]]);
    });

    it('a wider window counts the older incidents too; the limit cuts the ranking', async () => {
      const wide = (await acme.get('/v1/analytics/lineage/hotspots?window=60d').expect(200)).body as Hotspots;
      expect(ranked(wide.items)).toEqual([[DASHBOARD, 2, 4], [REPORT, 2, 4], [ORDERS, 1, 3], [CUSTOMERS, 1, 2], [STAGED, 1, 2]]);
      const top = (await acme.get('/v1/analytics/lineage/hotspots?window=8w&limit=2').expect(200)).body as Hotspots;
      expect([top.window, top.items.map((i) => i.qualifiedName)]).toEqual(['8w', [DASHBOARD, REPORT]]);
    });


    it('another tenant with the same names ranks only its own graph and incidents', async () => {
      const body = await other.eventually<Hotspots>('/v1/analytics/lineage/hotspots', (b) => b.items.length > 0);
      // its one incident, on its PAYMENTS, still open but opened before the 30-day window
      expect(ranked(body.items)).toEqual([[STAGED, 1, 0]]);
    });
  });

  describe('GET /v1/analytics/incidents/trends', () => {
    const range = `from=${at(0)}&to=${at(3 * DAY)}`;

    it('counts opened, resolved and open-at-end per day and type', async () => {
      const body = await acme.eventually<Trends>(`/v1/analytics/incidents/trends?${range}&granularity=day&groupBy=type`,
        (b) => b.series.some((s) => s.points.some((p) => p.resolved > 0 && p.time === at(2 * DAY))));
      expect(body).toEqual({ from: at(0), to: at(3 * DAY), granularity: 'day', groupBy: 'type', engine: 'clickhouse', series: [
        { key: 'freshness', points: [point(0, 1, 1, 0), point(1, 0, 0, 0), point(2, 0, 0, 0)] },
        { key: 'volume', points: [point(0, 1, 0, 1), point(1, 1, 0, 2), point(2, 0, 1, 1)] },
      ] });
    });

    it('groups by severity (`none` without one), by the hour', async () => {
      const body = (await acme.get(`/v1/analytics/incidents/trends?from=${at(9 * HOUR)}&to=${at(12 * HOUR)}&granularity=hour&groupBy=severity`)
        .expect(200)).body as Trends;
      const hour = (h: number, opened: number, resolved: number, openAtEnd: number) => ({ time: at(h * HOUR), opened, resolved, openAtEnd });
      expect(body.series).toEqual([{ key: 'SEV-1', points: [hour(9, 1, 0, 1), hour(10, 0, 0, 1), hour(11, 0, 1, 0)] }]);
      const bySeverity = (await acme.get(`/v1/analytics/incidents/trends?${range}&groupBy=severity`).expect(200)).body as Trends;
      expect(bySeverity.series.map((s) => [s.key, s.points.reduce((n, p) => n + p.opened, 0)])).toEqual([['SEV-1', 1], ['SEV-2', 1], ['none', 1]]);
    });

    it('groups by asset (an incident on two assets counts in both), by status and by source', async () => {
      const totals = async (groupBy: string) => ((await acme.get(`/v1/analytics/incidents/trends?${range}&groupBy=${groupBy}`).expect(200)).body as Trends)
        .series.map((s) => [s.key, s.points.reduce((n, p) => n + p.opened, 0), s.points.reduce((n, p) => n + p.resolved, 0)]);
      expect(await totals('asset')).toEqual([[ORDERS, 1, 0], [CUSTOMERS, 1, 0], [PAYMENTS, 1, 1], [STAGED, 1, 1]]);
      expect(await totals('status')).toEqual([['open', 1, 0], ['resolved', 2, 2]]);
      expect(await totals('source')).toEqual([['montecarlo', 3, 2]]);
    });

    it('another tenant sees only its own incidents', async () => {
      const body = await other.eventually<Trends>(`/v1/analytics/incidents/trends?${range}`, (b) => b.series.length > 0);
      expect(body.series).toEqual([{ key: 'freshness', points: [point(0, 0, 0, 0), point(1, 1, 0, 1), point(2, 0, 0, 1)] }]);
    });
  });

  describe('GET /v1/analytics/incidents/summary', () => {
    it('open now, opened and resolved in the range, and the mean times to acknowledge and to resolve', async () => {
      const path = `/v1/analytics/incidents/summary?from=${at(0)}&to=${at(3 * DAY)}`;
      const body = await acme.eventually<Summary>(path, (b) => b.resolved === 2 && b.openNow === 2);
      // A acknowledged after 30 min; A resolved after 2 h, C after 24 h
      expect(body).toEqual({ from: at(0), to: at(3 * DAY), engine: 'clickhouse', openNow: 2, opened: 3, resolved: 2,
        meanSecondsToAcknowledge: 1800, meanSecondsToResolve: (2 * 3600 + 24 * 3600) / 2 });
    });

    it('another tenant sees only its own incidents', async () => {
      const body = await other.eventually<Summary>(`/v1/analytics/incidents/summary?from=${at(0)}&to=${at(3 * DAY)}`, (b) => b.opened === 1);
      expect(body).toMatchObject({ openNow: 1, opened: 1, resolved: 0, meanSecondsToAcknowledge: null, meanSecondsToResolve: null });
    });
  });

  describe('roles', () => {
    it('a viewer reads analytics; the write-only ingest role may not', async () => {
      const keyWith = async (role: string) => new TenantClient(t, (await t.http().post('/v1/api-keys').set(acme.auth)
        .send({ name: role, roles: [role] }).expect(201)).body.key);
      const [viewer, ingest] = [await keyWith('viewer'), await keyWith('ingest')];
      const range = `from=${at(0)}&to=${at(DAY)}`;
      for (const path of ['/v1/analytics/lineage/hotspots', `/v1/analytics/incidents/trends?${range}`, `/v1/analytics/incidents/summary?${range}`]) {
        expect([path, (await viewer.get(path)).status]).toEqual([path, 200]);
        const refused = await ingest.get(path);
        expect([path, refused.status, refused.body.error.code]).toEqual([path, 403, 'role_required']);
      }
    });
  });

  describe('bad input: 422 invalid_query naming the parameter', () => {
    const range = `from=${at(0)}&to=${at(DAY)}`;
    it.each([
      ['hotspots', 'a window without a unit', '/v1/analytics/lineage/hotspots?window=30', 'window'],
      ['hotspots', 'a window in months', '/v1/analytics/lineage/hotspots?window=1m', 'window'],
      ['hotspots', 'a window of 0 hours', '/v1/analytics/lineage/hotspots?window=0h', 'window'],
      ['hotspots', 'a window over 365 days', '/v1/analytics/lineage/hotspots?window=53w', 'window'],
      ['hotspots', 'limit 101', '/v1/analytics/lineage/hotspots?limit=101', 'limit'],
      ['hotspots', 'an unknown parameter', '/v1/analytics/lineage/hotspots?since=2026-01-01', 'since'],
      ['trends', 'no from', `/v1/analytics/incidents/trends?to=${at(DAY)}`, 'from'],
      ['trends', 'a from that is no time', `/v1/analytics/incidents/trends?from=yesterday&to=${at(DAY)}`, 'from'],
      ['trends', 'from after to', `/v1/analytics/incidents/trends?from=${at(DAY)}&to=${at(0)}`, 'to'],
      ['trends', 'from equal to to', `/v1/analytics/incidents/trends?from=${at(0)}&to=${at(0)}`, 'to'],
      ['trends', 'a granularity of a month', `/v1/analytics/incidents/trends?${range}&granularity=month`, 'granularity'],
      ['trends', 'an unknown groupBy', `/v1/analytics/incidents/trends?${range}&groupBy=owner`, 'groupBy'],
      ['trends', '2,001 hours', `/v1/analytics/incidents/trends?from=${at(0)}&to=${at(2001 * HOUR)}&granularity=hour`, 'from'],
      ['summary', 'from after to', `/v1/analytics/incidents/summary?from=${at(DAY)}&to=${at(0)}`, 'to'],
      ['summary', 'no to', `/v1/analytics/incidents/summary?from=${at(0)}`, 'to'],
    ])('%s with %s', async (_endpoint, _what, path, param) => {
      const res = await acme.get(path);
      expect([res.status, res.body.error.code, res.body.error.details.issues[0].path]).toEqual([422, 'invalid_query', param]);
    });

    it('the bucket bound is named in the answer; 2,000 hours are within it', async () => {
      const over = await acme.get(`/v1/analytics/incidents/trends?from=${at(0)}&to=${at(2001 * HOUR)}&granularity=hour`);
      expect(over.body.error.message).toMatch(/spans 2001 hours; a trend spans at most 2000 buckets/);
      await acme.get(`/v1/analytics/incidents/trends?from=${at(0)}&to=${at(2000 * HOUR)}&granularity=hour`).expect(200);
    });
  });
});
