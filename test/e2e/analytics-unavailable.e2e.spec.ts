import { startTestApp, TestApp } from '../support/test-app';
import { enc, TenantClient } from '../support/tenant-client';

/**
 * A split api process (`npm run start:api`) without CLICKHOUSE_URL holds no analytics store: the
 * embedded engine opens one data directory per process and lives in the all-in-one platform.
 */
describe('Impact and analytics in an api process without an analytics engine', () => {
  let t: TestApp;
  let client: TenantClient;

  beforeAll(async () => {
    t = await startTestApp();
    client = new TenantClient(t, t.adminKey);
    await client.assets([{ qualifiedName: 'raw/payments', typeName: 'Table' }]);
  });
  afterAll(async () => { await t.close(); });

  it.each([
    `/v1/impact/assets/${enc('raw/payments')}`,
    '/v1/impact/incidents/00000000-0000-4000-8000-000000000000',
    '/v1/analytics/lineage/hotspots',
    '/v1/analytics/incidents/trends?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
    '/v1/analytics/incidents/summary?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
  ])('GET %s is 503 analytics_unavailable, saying what to set', async (path) => {
    const res = await client.get(path);
    expect([res.status, res.body.error.code]).toEqual([503, 'analytics_unavailable']);
    expect(res.body.error.message).toMatch(/CLICKHOUSE_URL/);
  });

  it('bad input is still 422 first: the request was wrong whatever the process holds', async () => {
    const res = await client.get('/v1/analytics/lineage/hotspots?window=forever');
    expect([res.status, res.body.error.code]).toEqual([422, 'invalid_query']);
  });
});
