import { startTestApp, TestApp } from '../support/test-app';

describe('GET /v1/session: what the calling credential is', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('names a key\'s tenant and its roles as granted, for any role', async () => {
    const admin = await t.http().get('/v1/session').set('Authorization', `Bearer ${t.adminKey}`).expect(200);
    expect(admin.body).toEqual({ kind: 'api-key', actor: expect.stringMatching(/^key:/), tenant: 'default', roles: expect.arrayContaining(['admin']),
      tenants: ['default'], platformAdmin: true });
    for (const roles of [['viewer'], ['ingest'], ['support', 'steward']]) {
      const key = (await t.http().post('/v1/api-keys').set('Authorization', `Bearer ${t.adminKey}`).send({ name: roles.join('+'), roles }).expect(201)).body.key;
      const session = await t.http().get('/v1/session').set('Authorization', `Bearer ${key}`).expect(200);
      expect(session.body).toMatchObject({ tenant: 'default', roles, platformAdmin: false });
    }
  });

  it('refuses a missing or unknown credential with 401', async () => {
    expect((await t.http().get('/v1/session').expect(401)).body.error.code).toBe('credential_required');
    await t.http().get('/v1/session').set('Authorization', 'Bearer trb_0000_nope').expect(401);
  });
});
