import { createHmac, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { startTestApp, TestApp } from '../support/test-app';
import { freePort } from '../support/free-port';

/*
 * Tokens here carry real signatures. jose v6 is ESM-only and this jest setup cannot load it (a static
 * import is compiled to require(), and import() needs --experimental-vm-modules), so tokens are
 * signed with node:crypto, which is all a JWS needs.
 */

type Alg = 'RS256' | 'ES256';

interface SigningKey {
  kid: string;
  alg: Alg;
  privateKey: KeyObject;
  /** the public half, as the issuer publishes it */
  jwk: JsonWebKey;
}

function signingKey(alg: Alg): SigningKey {
  const { privateKey, publicKey } = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS. ES256 signatures are r||s (IEEE P1363), not DER, per RFC 7518 §3.4. */
function signJwt(claims: Record<string, unknown>, key: SigningKey, header: Record<string, unknown> = {}): string {
  const input = `${b64url({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${b64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input),
    key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

function signHs256(claims: Record<string, unknown>, secret: string): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const unsigned = (claims: Record<string, unknown>) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;

/** An issuer's JWKS endpoint on a free loopback port. */
async function startJwksServer(keys: JsonWebKey[]): Promise<{ uri: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/v1/keys') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/v1/keys`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

const ISSUER = 'https://idp.tributary.test/oauth2/default';
const AUDIENCE = 'api://tributary';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The claims of a valid viewer token for tenant `default`; a key set to undefined is left out. */
const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER, aud: AUDIENCE, sub: 'ann@example.com', tenant: 'default', groups: ['viewer'],
  iat: nowSeconds(), exp: nowSeconds() + 300, ...overrides,
});

const anAsset = () => ({ assets: [{ qualifiedName: `sf/acme/RAW/T_${randomUUID().slice(0, 8)}`, typeName: 'Table' }] });

describe('OIDC bearer tokens', () => {
  const rsa = signingKey('RS256');
  const ec = signingKey('ES256');
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let t: TestApp;

  beforeAll(async () => {
    jwks = await startJwksServer([rsa.jwk, ec.jwk]);
    t = await startTestApp({
      config: { oidcIssuer: ISSUER, oidcAudience: AUDIENCE, oidcJwksUri: jwks.uri, oidcGroupRoles: 'data-stewards=steward' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await jwks?.close();
  });

  const listAssets = (token: string, tenant?: string) => {
    const req = t.http().get('/v1/assets').set('Authorization', `Bearer ${token}`);
    return tenant === undefined ? req : req.set('X-Tenant-Id', tenant);
  };
  const putAssets = (token: string) => t.http().put('/v1/assets').set('Authorization', `Bearer ${token}`).send(anAsset());

  describe('a token signed by a key in the issuer JWKS', () => {
    it('is accepted when signed with RS256', async () => {
      const res = await listAssets(signJwt(claims(), rsa));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ items: expect.any(Array) });
    });

    it('is accepted when signed with ES256', async () => {
      const res = await listAssets(signJwt(claims(), ec));
      expect(res.status).toBe(200);
    });
  });

  describe('a token that fails verification is 401 invalid_token', () => {
    /** `reason` is what the message says was wrong: it shows the token failed the check under test. */
    const rejected = async (token: string, reason?: RegExp) => {
      const res = await listAssets(token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_token');
      if (reason) expect(res.body.error.message).toMatch(reason);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    };

    it('when it has expired', () =>
      rejected(signJwt(claims({ iat: nowSeconds() - 600, exp: nowSeconds() - 300 }), rsa), /expired/));

    it('when it is not valid yet (nbf in the future)', () =>
      rejected(signJwt(claims({ nbf: nowSeconds() + 300 }), rsa), /not active/));

    it('when another issuer issued it', () =>
      rejected(signJwt(claims({ iss: 'https://evil.example.com/oauth2/default' }), rsa), /issuer invalid/));

    it('when it is meant for another audience', () =>
      rejected(signJwt(claims({ aud: 'api://someone-else' }), rsa), /audience invalid/));

    it('when its key is not in the JWKS (unknown kid)', () => rejected(signJwt(claims(), signingKey('RS256'))));

    it('when its key is not in the JWKS but it claims a published kid', () =>
      rejected(signJwt(claims(), { ...signingKey('RS256'), kid: rsa.kid }), /invalid signature/));

    it('when its payload was changed after signing', async () => {
      const [header, , signature] = signJwt(claims(), rsa).split('.');
      await rejected(`${header}.${b64url(claims({ groups: ['admin'] }))}.${signature}`, /invalid signature/);
    });

    it('when it is HS256, signed with a shared secret', () => rejected(signHs256(claims(), 'a-shared-secret')));

    it('when it is HS256, signed with the issuer public key as the HMAC secret', async () => {
      const publicPem = createPublicKey({ key: rsa.jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
      await rejected(signHs256(claims(), publicPem));
    });

    it('when it is unsigned (alg none)', () => rejected(unsigned(claims())));

    it('when it is not a JWT at all', () => rejected('not-a-jwt-just-garbage', /malformed/));
  });

  describe('a rejection says what failed, never what the platform expects', () => {
    const rejection = async (token: string) => {
      const res = await listAssets(token);
      expect(res.status).toBe(401);
      return JSON.stringify(res.body);
    };

    it('names neither the configured issuer nor the configured audience', async () => {
      const bodies = [
        await rejection(signJwt(claims({ iss: 'https://evil.example.com/oauth2/default' }), rsa)),
        await rejection(signJwt(claims({ aud: 'api://someone-else' }), rsa)),
      ];
      for (const body of bodies) {
        expect(body).not.toContain(ISSUER);
        expect(body).not.toContain(AUDIENCE);
      }
    });
  });

  describe('roles come from the groups claim', () => {
    it('refuses a viewer a write with 403 role_required', async () => {
      const res = await putAssets(signJwt(claims({ groups: ['viewer'] }), rsa));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_required');
      expect(res.body.error.details).toMatchObject({ required: ['steward', 'ingest'], granted: ['viewer'], tenant: 'default' });
    });

    it('maps a group configured in OIDC_GROUP_ROLES (data-stewards=steward)', async () => {
      const res = await putAssets(signJwt(claims({ groups: ['data-stewards'] }), rsa));
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([expect.objectContaining({ version: 1, created: true })]);
    });

    it('grants no role for a group it does not know', async () => {
      const res = await listAssets(signJwt(claims({ groups: ['marketing'] }), rsa));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_required');
    });
  });

  describe('a group Okta provisioned over SCIM', () => {
    // The mapping (OIDC_GROUP_ROLES) is by group name, as Okta's groups claim lists names: a group
    // pushed to the directory over SCIM has the name Okta puts in its members' tokens.
    it('named in the groups claim gets the mapped role', async () => {
      const admin = { Authorization: `Bearer ${t.adminKey}` };
      const okta = (await t.http().post('/v1/connectors').set(admin).send({ type: 'okta', name: 'okta', config: {} }).expect(201)).body;
      const scim = (path: string, body: unknown) => t.http().post(`/scim/v2${path}`).set('Authorization', `Bearer ${okta.scimToken}`)
        .set('Content-Type', 'application/scim+json').send(JSON.stringify(body));
      const ann = (await scim('/Users', { userName: 'ann@example.com', emails: [{ value: 'ann@example.com', primary: true }] })).body;
      const group = await scim('/Groups', { displayName: 'data-stewards', members: [{ value: ann.id }] });
      expect(group.status).toBe(201);
      const members = (await t.http().get(`/v1/groups/${group.body.id}/members`).set(admin)).body.items;
      expect(members.map((m: { login: string }) => m.login)).toEqual(['ann@example.com']);

      const steward = signJwt(claims({ groups: [group.body.displayName] }), rsa);
      expect((await putAssets(steward)).status).toBe(200);
      const unmapped = signJwt(claims({ groups: ['data-eng'] }), rsa);
      expect((await putAssets(unmapped)).status).toBe(403);
    });
  });

  describe('the tenant comes from the tenant claim', () => {
    const twoTenants = () => signJwt(claims({ tenant: ['default', 'other'] }), rsa);

    it('needs X-Tenant-Id when the token grants several tenants (400 tenant_required)', async () => {
      const res = await listAssets(twoTenants());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('tenant_required');
    });

    it('acts on the tenant X-Tenant-Id picks among those granted', async () => {
      const res = await listAssets(twoTenants(), 'default');
      expect(res.status).toBe(200);
    });

    it('refuses an X-Tenant-Id the token does not grant (403 tenant_not_granted)', async () => {
      const res = await listAssets(twoTenants(), 'someone-else');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('tenant_not_granted');
    });

    it('refuses a token without a tenant claim (403 no_tenant_granted)', async () => {
      const res = await listAssets(signJwt(claims({ tenant: undefined }), rsa));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('no_tenant_granted');
    });
  });

  describe('API keys', () => {
    it('still work alongside OIDC', async () => {
      const res = await listAssets(t.adminKey);
      expect(res.status).toBe(200);
    });
  });
});

describe('OIDC bearer tokens when the issuer\'s keys cannot be fetched', () => {
  let t: TestApp;
  let jwksAddress: string;

  beforeAll(async () => {
    jwksAddress = `127.0.0.1:${await freePort()}`;
    t = await startTestApp({ config: { oidcIssuer: ISSUER, oidcAudience: AUDIENCE, oidcJwksUri: `http://${jwksAddress}/v1/keys` } });
  });
  afterAll(async () => { await t?.close(); });

  it('refuses the token with 401 invalid_token without naming the JWKS address', async () => {
    const res = await t.http().get('/v1/assets').set('Authorization', `Bearer ${signJwt(claims(), signingKey('RS256'))}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
    expect(JSON.stringify(res.body)).not.toContain(jwksAddress);
  });
});

describe('OIDC bearer tokens when OIDC is not configured', () => {
  let t: TestApp;

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t?.close(); });

  it('refuses a well-signed JWT with 401 invalid_token', async () => {
    const res = await t.http().get('/v1/assets').set('Authorization', `Bearer ${signJwt(claims(), signingKey('RS256'))}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });
});
