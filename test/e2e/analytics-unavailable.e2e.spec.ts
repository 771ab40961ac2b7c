import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/**
 * With DRUID_URL the incident trends and summary are Druid's, also in a split api process without an
 * analytics store: a broker that does not answer is 503 `druid_unavailable`, after the input checks.
 */
describe('Incident trends and summary in an api process with DRUID_URL', () => {
  let t: TestApp;
  let client: TenantClient;

  beforeAll(async () => {
    // a port that was just free: no broker answers there
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    t = await startTestApp({ config: { druidUrl: `http://127.0.0.1:${port}` } });
    client = new TenantClient(t, t.adminKey);
  });
  afterAll(async () => { await t.close(); });

  it.each([
    '/v1/analytics/incidents/trends?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
    '/v1/analytics/incidents/summary?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
  ])('GET %s asks Druid: 503 druid_unavailable while it is unreachable', async (path) => {
    const res = await client.get(path);
    expect([res.status, res.body.error.code]).toEqual([503, 'druid_unavailable']);
  });

  it('refuses a range of too many buckets with 422 before asking Druid', async () => {
    const res = await client.get('/v1/analytics/incidents/trends?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&granularity=hour');
    expect(res.status).toBe(422);
  });

  it('impact still needs the analytics store', async () => {
    const res = await client.get('/v1/analytics/lineage/hotspots');
    expect([res.status, res.body.error.code]).toEqual([503, 'analytics_unavailable']);
  });
});
