import { Client } from 'pg';
import { enc, startTestApp, TestApp } from '../support/test-app';

const table = (qualifiedName: string, extra: Record<string, unknown> = {}) => ({ qualifiedName, typeName: 'Table', ...extra });

describe('Assets API', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const put = (assets: unknown[]) => t.http().put('/v1/assets').set(auth()).send({ assets });
  const get = (qn: string) => t.http().get(`/v1/assets/${enc(qn)}`).set(auth());
  /** Every row of the tenant's assets and change feed, to prove a rejected request changed nothing. */
  const snapshot = async () => {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    try {
      const a = await c.query('SELECT qualified_name, version, attributes, deleted_at FROM tenant_pooled.assets ORDER BY id');
      const e = await c.query('SELECT count(*)::int AS n FROM tenant_pooled.change_events');
      return { assets: a.rows, events: e.rows[0].n };
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  describe('PUT /v1/assets', () => {
    it('creates assets, leaves unchanged ones alone, and versions real changes', async () => {
      const first = await put([table('sf/acme/RAW/ORDERS', { attributes: { description: 'raw' } })]);
      expect(first.status).toBe(200);
      expect(first.body.results).toEqual([{ qualifiedName: 'sf/acme/RAW/ORDERS', version: 1, created: true }]);

      const same = await put([table('sf/acme/RAW/ORDERS', { attributes: { description: 'raw' } })]);
      expect(same.body.results).toEqual([{ qualifiedName: 'sf/acme/RAW/ORDERS', version: 1, created: false }]);

      const changed = await put([table('sf/acme/RAW/ORDERS', { name: 'ORDERS', attributes: { owner: 'ann' } })]);
      expect(changed.body.results[0].version).toBe(2);
      const view = await get('sf/acme/RAW/ORDERS');
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ qualifiedName: 'sf/acme/RAW/ORDERS', typeName: 'Table', name: 'ORDERS', version: 2,
        attributes: { description: 'raw', owner: 'ann' }, classifications: [], incidents: [],
        health: { status: 'healthy', openIncidents: 0, upstreamOpenIncidents: 0, lastIncidentAt: null, sources: [] } });
    });

    it('removes an attribute set to null', async () => {
      await put([table('attr/null', { attributes: { a: 1, b: 2 } })]);
      await put([table('attr/null', { attributes: { a: null } })]);
      expect((await get('attr/null')).body.attributes).toEqual({ b: 2 });
    });

    it('accepts 1000 assets in one request', async () => {
      const res = await put(Array.from({ length: 1000 }, (_, i) => table(`bulk/${i}`)));
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(1000);
      expect(res.body.results.every((r: { created: boolean }) => r.created)).toBe(true);
    });

    it('accepts a qualified name of 2048 characters, with any characters in it', async () => {
      const long = `x/${'é'.repeat(250)}/${'a'.repeat(1795)}`;
      expect(long.length).toBe(2048);
      expect((await put([table(long)])).status).toBe(200);
      expect((await get(long)).body.qualifiedName).toBe(long);
      expect((await get('spaces and ?#% signs')).status).toBe(404);
      expect((await put([table('spaces and ?#% signs')])).status).toBe(200);
      expect((await get('spaces and ?#% signs')).status).toBe(200);
    });
  });

  describe('PUT /v1/assets with bad input', () => {
    const rejects = async (body: unknown, status: number, code: string, raw = false) => {
      await put([table('bad/existing', { attributes: { keep: true } })]);
      const before = await snapshot();
      const req = t.http().put('/v1/assets').set(auth());
      const res = raw ? await req.set('Content-Type', 'application/json').send(body as string) : await req.send(body as object);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
      expect(await snapshot()).toEqual(before);
      return res.body.error;
    };

    it('invalid JSON is 400', async () => {
      await rejects('{"assets": [', 400, 'invalid_json', true);
    });

    it('a wrong type is 422 naming the path', async () => {
      const err = await rejects({ assets: [table('ok/1'), { qualifiedName: 42, typeName: 'Table' }] }, 422, 'validation_failed');
      expect(err.details.issues[0].path).toBe('assets[1].qualifiedName');
    });

    it('an unknown field is 422', async () => {
      const err = await rejects({ assets: [table('ok/2', { colour: 'red' })] }, 422, 'validation_failed');
      expect(err.message).toMatch(/colour/);
    });

    it('an empty qualified name is 422', async () => {
      await rejects({ assets: [table('')] }, 422, 'validation_failed');
    });

    it('a qualified name over 2048 characters is 422', async () => {
      const err = await rejects({ assets: [table('q'.repeat(2049))] }, 422, 'validation_failed');
      expect(err.message).toMatch(/2048/);
    });

    it('a qualified name over 2600 bytes of UTF-8 is 422, even under 2048 characters', async () => {
      const err = await rejects({ assets: [table('é'.repeat(1400))] }, 422, 'validation_failed');
      expect(err.message).toMatch(/2600 bytes/);
    });

    it('more than 1000 assets is 422', async () => {
      await rejects({ assets: Array.from({ length: 1001 }, (_, i) => table(`many/${i}`)) }, 422, 'validation_failed');
    });

    it('the same qualified name twice is 422', async () => {
      await rejects({ assets: [table('twice'), table('twice')] }, 422, 'duplicate_qualified_name');
    });

    it('a body over the size limit is 413', async () => {
      await rejects({ assets: [table('huge', { attributes: { blob: 'z'.repeat(9 * 1024 * 1024) } })] }, 413, 'payload_too_large');
    });

    it('a stale ifVersion is 409 and fails the whole batch', async () => {
      const err = await rejects({ assets: [table('fresh/1'), table('bad/existing', { ifVersion: 99 })] }, 409, 'version_conflict');
      expect(err.details.conflicts).toEqual([{ qualifiedName: 'bad/existing', ifVersion: 99, currentVersion: 1 }]);
      expect((await get('fresh/1')).status).toBe(404);
    });

    it('ifVersion 0 means "must not exist yet"', async () => {
      await rejects({ assets: [table('bad/existing', { ifVersion: 0 })] }, 409, 'version_conflict');
      expect((await put([table('brand/new', { ifVersion: 0 })])).status).toBe(200);
    });
  });

  describe('concurrent updates', () => {
    it('of one asset with the same ifVersion: exactly one wins, the others get 409', async () => {
      await put([table('race/1')]);
      const attempts = await Promise.all(Array.from({ length: 6 }, (_, i) =>
        put([table('race/1', { ifVersion: 1, attributes: { writer: i } })])));
      const statuses = attempts.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
      expect((await get('race/1')).body.version).toBe(2);
    });

    it('creating the same new asset from several requests reports one creation', async () => {
      const attempts = await Promise.all(Array.from({ length: 5 }, () => put([table('race/new')])));
      expect(attempts.every((r) => r.status === 200)).toBe(true);
      expect(attempts.filter((r) => r.body.results[0].created)).toHaveLength(1);
    });
  });

  describe('GET /v1/assets/{qualifiedName}', () => {
    it('is 404 with a precise error for an unknown asset', async () => {
      const res = await get('no/such/asset');
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'asset_not_found', details: { qualifiedName: 'no/such/asset' } });
    });

    it('serves the health block alone', async () => {
      await put([table('health/1')]);
      const res = await t.http().get(`/v1/assets/${enc('health/1')}/health`).set(auth());
      expect(res.body).toEqual({ status: 'healthy', openIncidents: 0, upstreamOpenIncidents: 0, lastIncidentAt: null, sources: [] });
    });
  });

  describe('GET /v1/assets', () => {
    beforeAll(async () => {
      await put([table('list/a', { name: 'Alpha' }), table('list/b', { name: 'Beta' }), { qualifiedName: 'list/c', typeName: 'View', name: 'Gamma' }]);
      await t.http().post(`/v1/assets/${enc('list/b')}/classifications`).set(auth()).send({ name: 'PII' });
    });
    const list = (query: string) => t.http().get(`/v1/assets?${query}`).set(auth());

    it('filters by type, tag, health and text', async () => {
      const names = (res: { body: { items: { qualifiedName: string }[] } }) => res.body.items.map((i) => i.qualifiedName);
      expect(names(await list('typeName=View'))).toEqual(['list/c']);
      expect(names(await list('tag=PII'))).toEqual(['list/b']);
      expect(names(await list('q=alph'))).toEqual(['list/a']);
      expect(names(await list('q=list/&health=healthy'))).toEqual(['list/a', 'list/b', 'list/c']);
      expect(names(await list('q=list/&health=critical'))).toEqual([]);
    });

    it('pages with a cursor until nextCursor is null', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await list(`q=list/&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { qualifiedName: string }) => i.qualifiedName));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['list/a', 'list/b', 'list/c']);
    });

    it('rejects malformed query parameters with 400', async () => {
      for (const q of ['limit=0', 'limit=9999', 'health=sickly', 'unknown=1']) {
        const res = await list(q);
        expect([q, res.status, res.body.error.code]).toEqual([q, 400, 'invalid_query']);
      }
      expect((await list('cursor=not-a-cursor!')).body.error.code).toBe('invalid_cursor');
    });
  });

  describe('DELETE /v1/assets/{qualifiedName}', () => {
    it('soft-deletes the asset, removes its edges, and lets it come back later with a higher version', async () => {
      await put([table('del/a'), table('del/b')]);
      await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'del/a', to: 'del/b' }] });
      const res = await t.http().delete(`/v1/assets/${enc('del/a')}`).set(auth());
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(2);
      expect((await get('del/a')).status).toBe(404);
      const up = await t.http().get(`/v1/lineage/${enc('del/b')}?direction=upstream`).set(auth());
      expect(up.body.nodes).toEqual([]);
      expect((await t.http().delete(`/v1/assets/${enc('del/a')}`).set(auth())).status).toBe(404);
      const back = await put([table('del/a')]);
      expect(back.body.results[0]).toEqual({ qualifiedName: 'del/a', version: 3, created: true });
    });
  });
});
