import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';

type Key = { id: string; key: string };
type Connector = { id: string; signingSecret: string };

/**
 * Limits so slow to refill (one token every 1,000 s) that a test never sees a refill, however
 * loaded the machine: what a credential or a connector may send is exactly its burst.
 */
const PER_SECOND = 0.001;
const CREDENTIAL_BURST = 6;
const CONNECTOR_BURST = 2;

describe('Rate limits', () => {
  let t: TestApp;
  let viewer: Key;
  let other: Key;
  let hook: Connector;
  let otherHook: Connector;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const read = (key: string) => t.http().get('/v1/changes').set(as(key));
  const deliver = (c: Connector, signed = true) => {
    const body = JSON.stringify(incidentWebhook());
    return t.http().post(`/v1/hooks/montecarlo/${c.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signed ? signMonteCarlo(body, c.signingSecret) : 'ab'.repeat(64)).send(body);
  };
  const expectLimited = (res: { status: number; headers: Record<string, string>; body: { error: { code: string; details: { retryAfterSeconds: number } } } }) => {
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(res.body.error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: Number(res.headers['retry-after']) } });
  };

  beforeAll(async () => {
    t = await startTestApp({ config: {
      rateLimitPerCredential: PER_SECOND, rateLimitPerCredentialBurst: CREDENTIAL_BURST,
      rateLimitPerConnector: PER_SECOND, rateLimitPerConnectorBurst: CONNECTOR_BURST,
    } });
    // four of the bootstrap key's six requests
    const key = (name: string) => t.http().post('/v1/api-keys').set(as(t.adminKey)).send({ name, roles: ['viewer'] }).expect(201);
    viewer = (await key('viewer')).body;
    other = (await key('other')).body;
    const connector = (name: string) => t.http().post('/v1/connectors').set(as(t.adminKey))
      .send({ type: 'montecarlo', name, config: { mappings: [{ template: 'x/{table}' }] } }).expect(201);
    hook = (await connector('limited')).body;
    otherHook = (await connector('other')).body;
  });
  afterAll(async () => { await t.close(); });

  describe('per credential', () => {
    it('a credential gets its burst, then 429 with Retry-After in seconds and the error format', async () => {
      for (let i = 0; i < CREDENTIAL_BURST; i++) expect((await read(viewer.key)).status).toBe(200);
      expectLimited(await read(viewer.key));
    });

    it('another credential keeps its own', async () => {
      expect((await read(other.key)).status).toBe(200);
    });

    it('requests that fail authentication spend no credential\'s tokens, even naming its key id', async () => {
      for (let i = 0; i < 3 * CREDENTIAL_BURST; i++) {
        expect((await read(`trb_${other.id}_${'x'.repeat(43)}`)).status).toBe(401);
        expect((await t.http().get('/v1/changes')).status).toBe(401);
      }
      for (let i = 1; i < CREDENTIAL_BURST; i++) expect((await read(other.key)).status).toBe(200);
      expectLimited(await read(other.key));
    });
  });

  describe('per webhook connector', () => {
    it('deliveries with a wrong signature spend nothing; signed ones get the burst, then 429 with Retry-After', async () => {
      for (let i = 0; i < 3 * CONNECTOR_BURST; i++) expect((await deliver(hook, false)).status).toBe(401);
      for (let i = 0; i < CONNECTOR_BURST; i++) expect((await deliver(hook)).status).toBe(202);
      expectLimited(await deliver(hook));
    });

    it('another connector keeps its own', async () => {
      expect((await deliver(otherHook)).status).toBe(202);
    });
  });
});
