import { Client } from 'pg';
import { createTestDatabase } from '../support/test-postgres';
import { enc, startTestApp, TestApp } from '../support/test-app';

type Tenant = { id: string; key: string };

describe('Tenancy', () => {
  let t: TestApp;
  let dedicatedDb: { url: string; drop: () => Promise<void> };
  const tenants: Record<string, Tenant> = {};
  const as = (tenant: Tenant) => ({ Authorization: `Bearer ${tenant.key}` });
  const createTenant = (body: object, key = t.adminKey) => t.http().post('/v1/tenants').set({ Authorization: `Bearer ${key}` }).send(body);
  const sqlOn = async (url: string, query: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try { return (await c.query(query)).rows; } finally { await c.end(); }
  };

  beforeAll(async () => {
    t = await startTestApp();
    dedicatedDb = await createTestDatabase();
    for (const [id, placement, databaseUrl] of [['acme', 'pooled'], ['globex', 'pooled'], ['initech', 'schema'], ['umbrella', 'dedicated', dedicatedDb.url]]) {
      const res = await createTenant({ id, name: id.toUpperCase(), placement, databaseUrl });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id, name: id.toUpperCase(), placement });
      tenants[id!] = { id: id!, key: res.body.adminKey };
    }
    for (const tenant of Object.values(tenants)) {
      const res = await t.http().put('/v1/assets').set(as(tenant)).send({ assets: [
        { qualifiedName: 'shared/name', typeName: 'Table', attributes: { owner: tenant.id } },
        { qualifiedName: `${tenant.id}/only`, typeName: 'Table' },
      ] });
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    await t.close();
    await dedicatedDb.drop();
  });

  describe('POST /v1/tenants', () => {
    it('returns an admin key that works only in the new tenant', async () => {
      const res = await t.http().get('/v1/assets').set(as(tenants.acme));
      expect(res.status).toBe(200);
      expect(res.body.items.map((a: { qualifiedName: string }) => a.qualifiedName)).toEqual(['acme/only', 'shared/name']);
    });

    it('keeps each placement\'s data where it says', async () => {
      const pooled = await sqlOn(t.databaseUrl, `SELECT DISTINCT tenant_id FROM tenant_pooled.assets ORDER BY 1`);
      expect(pooled.map((r) => r.tenant_id)).toEqual(['acme', 'globex']);
      const own = await sqlOn(t.databaseUrl, `SELECT qualified_name FROM tenant_initech.assets ORDER BY 1`);
      expect(own.map((r) => r.qualified_name)).toEqual(['initech/only', 'shared/name']);
      const dedicated = await sqlOn(dedicatedDb.url, `SELECT qualified_name FROM tributary_data.assets ORDER BY 1`);
      expect(dedicated.map((r) => r.qualified_name)).toEqual(['shared/name', 'umbrella/only']);
    });

    it('stores the dedicated database URL encrypted', async () => {
      const rows = await sqlOn(t.databaseUrl, `SELECT database_url_sealed FROM tributary.tenants WHERE id = 'umbrella'`);
      expect(rows[0].database_url_sealed).toMatch(/^v1\./);
      expect(rows[0].database_url_sealed).not.toContain('postgres');
    });

    it('is for platform admins only', async () => {
      const res = await createTenant({ id: 'sneaky', name: 'x', placement: 'pooled' }, tenants.acme.key);
      expect([res.status, res.body.error.code]).toEqual([403, 'platform_admin_required']);
    });

    it('rejects a taken id with 409, and bad bodies with 422', async () => {
      expect((await createTenant({ id: 'acme', name: 'again', placement: 'pooled' })).body.error.code).toBe('tenant_exists');
      for (const body of [{ id: 'Bad_Id', name: 'x', placement: 'pooled' }, { id: 'x1', name: 'x', placement: 'cloud' },
        { id: 'x2', name: 'x', placement: 'dedicated' }, { id: 'x3', name: 'x', placement: 'pooled', databaseUrl: 'postgres://h/db' }]) {
        const res = await createTenant(body);
        expect(res.status).toBe(422);
      }
    });

    it('does not create a dedicated tenant whose database cannot be reached', async () => {
      const res = await createTenant({ id: 'unreachable', name: 'x', placement: 'dedicated', databaseUrl: 'postgres://nobody@127.0.0.1:1/none' });
      expect([res.status, res.body.error.code]).toEqual([422, 'provisioning_failed']);
      expect(await sqlOn(t.databaseUrl, `SELECT id FROM tributary.tenants WHERE id = 'unreachable'`)).toEqual([]);
    });
  });

  describe('isolation through the API', () => {
    it('each tenant sees its own asset under a shared name', async () => {
      for (const tenant of Object.values(tenants)) {
        const res = await t.http().get(`/v1/assets/${enc('shared/name')}`).set(as(tenant));
        expect(res.body.attributes).toEqual({ owner: tenant.id });
      }
    });

    it('another tenant\'s asset answers exactly like one that does not exist', async () => {
      const theirs = await t.http().get(`/v1/assets/${enc('globex/only')}`).set(as(tenants.acme));
      const nobodys = await t.http().get(`/v1/assets/${enc('nobody/only')}`).set(as(tenants.acme));
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.code).toBe(nobodys.body.error.code);
      expect(theirs.body.error.message.replace('globex', 'nobody')).toBe(nobodys.body.error.message);
    });

    it('cannot change, tag, link or delete another tenant\'s assets', async () => {
      const acme = as(tenants.acme);
      expect((await t.http().post(`/v1/assets/${enc('globex/only')}/classifications`).set(acme).send({ name: 'PII' })).status).toBe(404);
      expect((await t.http().delete(`/v1/assets/${enc('globex/only')}`).set(acme)).status).toBe(404);
      const link = await t.http().put('/v1/lineage').set(acme).send({ edges: [{ from: 'acme/only', to: 'globex/only' }] });
      expect([link.status, link.body.error.details.qualifiedNames]).toEqual([422, ['globex/only']]);
      const theirs = await t.http().get(`/v1/assets/${enc('globex/only')}`).set(as(tenants.globex));
      expect(theirs.body).toMatchObject({ version: 1, classifications: [] });
    });

    it('sees only its own change events', async () => {
      const res = await t.http().get('/v1/changes').set(as(tenants.globex));
      expect(res.body.items.map((e: { sequence: number; subject: string; tenant: string }) => [e.sequence, e.subject, e.tenant]))
        .toEqual([[1, 'shared/name', 'globex'], [2, 'globex/only', 'globex']]);
    });

    it('sees and revokes only its own API keys', async () => {
      const globexKeys = (await t.http().get('/v1/api-keys').set(as(tenants.globex))).body.items;
      const acmeKeys = (await t.http().get('/v1/api-keys').set(as(tenants.acme))).body.items;
      expect(acmeKeys.map((k: { id: string }) => k.id)).not.toContain(globexKeys[0].id);
      const res = await t.http().delete(`/v1/api-keys/${globexKeys[0].id}`).set(as(tenants.acme));
      expect(res.status).toBe(404);
      expect((await t.http().get('/v1/assets').set(as(tenants.globex))).status).toBe(200);
    });

    it('cannot pick another tenant with X-Tenant-Id', async () => {
      const res = await t.http().get('/v1/assets').set(as(tenants.acme)).set('X-Tenant-Id', 'globex');
      expect([res.status, res.body.error.code]).toEqual([403, 'tenant_not_granted']);
      const own = await t.http().get('/v1/assets').set(as(tenants.acme)).set('X-Tenant-Id', 'acme');
      expect(own.status).toBe(200);
    });
  });

  describe('roles', () => {
    const keyWith = async (roles: string[]) =>
      ({ id: 'acme', key: (await t.http().post('/v1/api-keys').set(as(tenants.acme)).send({ name: roles.join('+'), roles })).body.key }) as Tenant;

    it('an ingest key may write assets and lineage but not read', async () => {
      const ingest = await keyWith(['ingest']);
      expect((await t.http().put('/v1/assets').set(as(ingest)).send({ assets: [{ qualifiedName: 'ing/1', typeName: 'Table' }] })).status).toBe(200);
      const read = await t.http().get('/v1/assets').set(as(ingest));
      expect([read.status, read.body.error.code]).toEqual([403, 'role_required']);
    });

    it('a viewer may read but not write; a steward may both', async () => {
      const viewer = await keyWith(['viewer']);
      expect((await t.http().get('/v1/changes').set(as(viewer))).status).toBe(200);
      expect((await t.http().delete(`/v1/assets/${enc('ing/1')}`).set(as(viewer))).status).toBe(403);
      const steward = await keyWith(['steward']);
      expect((await t.http().delete(`/v1/assets/${enc('ing/1')}`).set(as(steward))).status).toBe(200);
      expect((await t.http().post('/v1/api-keys').set(as(steward)).send({ name: 'x', roles: ['admin'] })).status).toBe(403);
    });
  });
});
