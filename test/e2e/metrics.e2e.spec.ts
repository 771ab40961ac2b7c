import { randomBytes } from 'node:crypto';
import { AppProcess, ensureBuilt } from '../support/app-processes';
import { newApiKey, startTestApp, TestApp } from '../support/test-app';
import { freePort } from '../support/free-port';
import { createTestDatabase } from '../support/test-postgres';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('/metrics on the main port (METRICS_PORT unset)', () => {
  let t: TestApp;
  let tenantAdminKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    tenantAdminKey = (await t.http().post('/v1/tenants').set(bearer(t.adminKey)).send({ id: 'metrics-other', name: 'Other', placement: 'pooled' })
      .expect(201)).body.adminKey;
  });
  afterAll(async () => { await t?.close(); });

  it('needs a credential: 401 without one', async () => {
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('credential_required');
  });

  it('is refused to a tenant\'s admin: the series name every tenant (403)', async () => {
    const res = await t.http().get('/metrics').set(bearer(tenantAdminKey));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('role_required');
  });

  it('is read with a key holding the metrics role, which reads nothing else', async () => {
    const created = await t.http().post('/v1/api-keys').set(bearer(t.adminKey)).send({ name: 'prometheus', roles: ['metrics'] }).expect(201);
    const res = await t.http().get('/metrics').set(bearer(created.body.key)).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('tributary_http_requests_total');
    expect((await t.http().get('/v1/assets').set(bearer(created.body.key))).status).toBe(403);
  });

  it('is read by a platform admin', async () => {
    await t.http().get('/metrics').set(bearer(t.adminKey)).expect(200);
  });

  it('lets only a platform admin grant the metrics role (403 for a tenant\'s admin)', async () => {
    const res = await t.http().post('/v1/api-keys').set(bearer(tenantAdminKey)).send({ name: 'peek', roles: ['metrics'] });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('platform_admin_required');
  });
});

describe('/metrics of every process', () => {
  const adminKey = newApiKey();
  const procs: AppProcess[] = [];
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const start = async (app: 'api' | 'ingestor' | 'propagator', metricsPort?: number) => {
    const p = new AppProcess(app, app, { http: await freePort(), metrics: metricsPort }, {
      DATABASE_URL: db.url, TRIBUTARY_ENCRYPTION_KEY: encryptionKey, TRIBUTARY_BOOTSTRAP_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn',
    });
    procs.push(p);
    await p.ready();
    return p;
  };
  const encryptionKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await db?.drop();
  });

  it('with METRICS_PORT: served there without a credential, and not on the main port', async () => {
    // the api first: it bootstraps the admin key
    for (const app of ['api', 'ingestor'] as const) {
      const p = await start(app, await freePort());
      expect(await p.metrics()).toContain(`app="${app}"`);
      expect((await fetch(`${p.url}/metrics`, { headers: bearer(adminKey) })).status).toBe(404);
    }
  });

  it('without METRICS_PORT: on the main port, behind a credential, in a process without the API too', async () => {
    const propagator = await start('propagator');
    expect((await fetch(`${propagator.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${propagator.url}/metrics`, { headers: bearer(adminKey) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('app="propagator"');
  });
});
