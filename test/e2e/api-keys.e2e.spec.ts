import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { parseKey } from '@tributary/auth';
import { newApiKey, startTestApp, TestApp } from '../support/test-app';

describe('API keys', () => {
  let t: TestApp;

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t?.close(); });

  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const asAdmin = () => bearer(t.adminKey);
  const keyBody = (overrides: Record<string, unknown> = {}) => ({ name: `key-${randomUUID().slice(0, 8)}`, roles: ['viewer'], ...overrides });
  const createKey = (overrides: Record<string, unknown> = {}) => t.http().post('/v1/api-keys').set(asAdmin()).send(keyBody(overrides));
  const anAsset = () => ({ assets: [{ qualifiedName: `sf/acme/RAW/T_${randomUUID().slice(0, 8)}`, typeName: 'Table' }] });
  const listAssets = (key: string) => t.http().get('/v1/assets').set(bearer(key));
  const secretOf = (key: string) => parseKey(key)!.secret;

  /** A new key's plaintext and id, created through the API. */
  async function newKey(overrides: Record<string, unknown> = {}): Promise<{ id: string; key: string; expiresAt: string | null }> {
    const res = await createKey(overrides);
    expect(res.status).toBe(201);
    return res.body;
  }

  describe('POST /v1/api-keys', () => {
    it('returns the new key, shown only here, with its id, name, roles and expiry', async () => {
      const body = keyBody({ roles: ['viewer', 'ingest'] });
      const res = await t.http().post('/v1/api-keys').set(asAdmin()).send(body);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), key: expect.stringMatching(/^trb_/), name: body.name,
        roles: ['viewer', 'ingest'], expiresAt: null });
      expect(parseKey(res.body.key)?.id).toBe(res.body.id);
    });

    it('stores only a SHA-256 of the secret', async () => {
      const { id, key } = await newKey();
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM tributary.api_keys WHERE id = $1', [id]);
        expect(rows).toHaveLength(1);
        const stored = rows[0].secret_hash;
        expect(stored).toHaveLength(32);
        expect(stored.equals(Buffer.from(secretOf(key)))).toBe(false);
        expect(stored.toString('utf8')).not.toContain(secretOf(key));
        expect(stored.equals(createHash('sha256').update(secretOf(key)).digest())).toBe(true);
      } finally {
        await db.end();
      }
    });

    it('refuses an expiry in the past with 422 expiry_in_past', async () => {
      const res = await createKey({ expiresAt: new Date(Date.now() - 60_000).toISOString() });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('expiry_in_past');
    });

    describe('refuses an invalid body with 422 validation_failed', () => {
      it.each([
        ['an unknown role', keyBody({ roles: ['root'] })],
        ['an unknown field', keyBody({ platformAdmin: true })],
        ['no role', keyBody({ roles: [] })],
        ['no name', { roles: ['viewer'] }],
        ['an expiry that is not a time', keyBody({ expiresAt: 'tomorrow' })],
      ])('with %s', async (_, body) => {
        const res = await t.http().post('/v1/api-keys').set(asAdmin()).send(body);
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('validation_failed');
      });
    });
  });

  describe('GET /v1/api-keys', () => {
    it('lists the keys of the tenant without their secrets', async () => {
      const { id, key } = await newKey();
      const res = await t.http().get('/v1/api-keys').set(asAdmin());
      expect(res.status).toBe(200);
      expect(res.body.items).toContainEqual(expect.objectContaining({ id, roles: ['viewer'], revokedAt: null }));

      const listed = JSON.stringify(res.body);
      const hash = createHash('sha256').update(secretOf(key)).digest();
      for (const secret of [secretOf(key), secretOf(t.adminKey), hash.toString('hex'), hash.toString('base64')]) {
        expect(listed).not.toContain(secret);
      }
      for (const item of res.body.items) {
        expect(item).not.toHaveProperty('key');
        expect(item).not.toHaveProperty('secretHash');
      }
    });
  });

  describe('a viewer key', () => {
    let viewer: string;
    beforeAll(async () => { viewer = (await newKey({ roles: ['viewer'] })).key; });

    it('can read assets', async () => {
      const res = await listAssets(viewer);
      expect(res.status).toBe(200);
    });

    it('cannot write assets (403 role_required)', async () => {
      const res = await t.http().put('/v1/assets').set(bearer(viewer)).send(anAsset());
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_required');
    });

    it('cannot create keys (403 role_required)', async () => {
      const res = await t.http().post('/v1/api-keys').set(bearer(viewer)).send(keyBody({ roles: ['admin'] }));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_required');
    });
  });

  describe('DELETE /v1/api-keys/{id}', () => {
    it('revokes the key with 204; it stops working at once (401 api_key_revoked)', async () => {
      const { id, key } = await newKey();
      expect((await listAssets(key)).status).toBe(200);

      const res = await t.http().delete(`/v1/api-keys/${id}`).set(asAdmin());
      expect(res.status).toBe(204);

      const after = await listAssets(key);
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('api_key_revoked');
      const listed = await t.http().get('/v1/api-keys').set(asAdmin());
      expect(listed.body.items).toContainEqual(expect.objectContaining({ id, revokedAt: expect.any(String) }));
    });

    it('answers 404 for a key it does not know', async () => {
      const res = await t.http().delete(`/v1/api-keys/${parseKey(newApiKey())!.id}`).set(asAdmin());
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('api_key_not_found');
    });

    it('answers 404 for a key revoked already', async () => {
      const { id } = await newKey();
      expect((await t.http().delete(`/v1/api-keys/${id}`).set(asAdmin())).status).toBe(204);
      const again = await t.http().delete(`/v1/api-keys/${id}`).set(asAdmin());
      expect(again.status).toBe(404);
    });
  });

  describe('a key with an expiry', () => {
    it('works until it expires, then gets 401 api_key_expired', async () => {
      const { key, expiresAt } = await newKey({ expiresAt: new Date(Date.now() + 1500).toISOString() });
      expect((await listAssets(key)).status).toBe(200);

      await sleep(Math.max(0, Date.parse(expiresAt!) - Date.now()) + 100);
      const res = await listAssets(key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('api_key_expired');
    });
  });

  describe('a request without a valid credential is 401', () => {
    it.each<[string, () => string | undefined, string]>([
      ['no Authorization header', () => undefined, 'credential_required'],
      ['a Basic credential', () => 'Basic xyz', 'malformed_authorization'],
      ['a well-formed key that was never issued', () => `Bearer ${newApiKey()}`, 'api_key_unknown'],
      ['the id of a real key with another secret', () => `Bearer trb_${parseKey(t.adminKey)!.id}_${'x'.repeat(43)}`, 'api_key_unknown'],
      ['a malformed key', () => 'Bearer trb_short', 'api_key_malformed'],
    ])('with %s', async (_, authorization, code) => {
      const header = authorization();
      const req = t.http().get('/v1/assets');
      const res = await (header === undefined ? req : req.set('Authorization', header));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe(code);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });
});
