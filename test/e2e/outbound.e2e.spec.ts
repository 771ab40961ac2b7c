import { Client } from 'pg';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentNode } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const SINCE = '2026-11-01T00:00:00Z';

describe('Outbound calls', () => {
  let mc: MonteCarloGraphqlServer;
  beforeAll(async () => { mc = await MonteCarloGraphqlServer.start(); });
  afterAll(async () => { await mc.stop(); });

  const finished = async (t: TestApp, id: string) => waitFor('the backfill to end', async () => {
    const p = (await t.http().get(`/v1/backfills/${id}`).set({ Authorization: `Bearer ${t.adminKey}` })).body;
    return p.status === 'succeeded' || p.status === 'failed' ? p : undefined;
  }, 30_000);

  describe('with the platform defaults (no private addresses, Monte Carlo hosts only)', () => {
    let t: TestApp;
    const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
    const create = (graphql: object) => t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc',
      config: { mappings: MAPPINGS, graphql: { apiId: 'id', apiToken: 'sealed-token', ...graphql } } });

    beforeAll(async () => { t = await startTestApp({ parts: platformApp, config: { jobAttempts: 1 } }); });
    afterAll(async () => { await t?.close(); });

    it('refuses an endpoint that is not https, not on the allow-list, or an internal address, naming the field', async () => {
      for (const [endpoint, refused] of [
        [mc.url, 'scheme'], ['https://127.0.0.1/graphql', 'address'], ['https://[::1]/graphql', 'address'],
        ['https://169.254.169.254/latest/meta-data', 'address'], ['https://localhost/graphql', 'host'], ['https://evil.example/graphql', 'host'],
      ]) {
        const res = await create({ endpoint });
        expect([endpoint, res.status, res.body.error?.code, res.body.error?.details]).toEqual(
          [endpoint, 422, 'outbound_url_refused', { field: 'config.graphql.endpoint', refused }]);
      }
      expect((await create({ endpoint: 'https://api.getmontecarlo.com/graphql' })).status).toBe(201);
      expect((await create({})).status).toBe(201);
    });

    it('never sends the sealed token to a loopback server, even for an endpoint stored before the policy', async () => {
      const created = await create({});
      // a connector saved when anything went: its stored endpoint is the loopback server
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      await db.query(`UPDATE tributary.connectors SET config = jsonb_set(config, '{graphql,endpoint}', to_jsonb($1::text)), version = version + 1
        WHERE id = $2`, [mc.url, created.body.id]);
      await db.end();
      const before = mc.requests.length;
      const backfill = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: created.body.id, since: SINCE });
      expect(backfill.status).toBe(202);
      const done = await finished(t, backfill.body.id);
      expect(done.status).toBe('failed');
      expect(done.lastError).toMatch(/^montecarlo_endpoint_refused: /);
      expect(mc.requests.length).toBe(before);
    });

    it('requires the token again when the endpoint changes', async () => {
      const created = await create({ endpoint: 'https://api.getmontecarlo.com/graphql' });
      const patch = (graphql: object) => t.http().patch(`/v1/connectors/${created.body.id}`).set(auth()).send({ config: { mappings: MAPPINGS, graphql } });
      const moved = await patch({ apiId: 'id', endpoint: 'https://eu1.getmontecarlo.com/graphql' });
      expect([moved.status, moved.body.error.code, moved.body.error.details.field]).toEqual([422, 'secret_required', 'config.graphql.apiToken']);
      expect(moved.body.error.message).toMatch(/config\.graphql\.endpoint/);
      // the same endpoint keeps the stored token; a new one with the token entered again is fine
      expect((await patch({ apiId: 'id2', endpoint: 'https://api.getmontecarlo.com/graphql' })).status).toBe(200);
      expect((await patch({ apiId: 'id', endpoint: 'https://eu1.getmontecarlo.com/graphql', apiToken: 'new-token' })).status).toBe(200);
      // dropping the endpoint moves the token to the default one: a change too
      expect((await patch({ apiId: 'id' })).body.error.code).toBe('secret_required');
    });
  });

  describe('with the switch for local servers on', () => {
    let t: TestApp;
    const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

    beforeAll(async () => { t = await startTestApp({ parts: platformApp, config: { jobAttempts: 1, ...LOCAL_OUTBOUND_CONFIG } }); });
    afterAll(async () => { await t?.close(); });

    it("shows a failed call's code and a message of ours, never what the remote service said", async () => {
      const created = await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc',
        config: { mappings: MAPPINGS, graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url } } });
      expect(created.status).toBe(201);
      mc.incidents.push(incidentNode({ createdTime: '2026-11-01T01:00:00Z' }));
      const run = async () => {
        const res = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: created.body.id, since: SINCE });
        return finished(t, res.body.id);
      };

      mc.failNext(1, { graphqlErrors: [{ message: 'internal: db-7.corp.montecarlo.local timed out; token=abc' }] });
      const graphqlError = await run();
      expect(graphqlError.lastError).toMatch(/^montecarlo_bad_response: /);
      expect(graphqlError.lastError).not.toMatch(/db-7|token=|internal/);

      mc.failNext(1, { status: 302, headers: { location: 'http://127.0.0.1:1/steal' } });
      expect((await run()).lastError).toMatch(/^montecarlo_endpoint_refused: .*redirect/);

      const letters = (await t.http().get('/v1/dead-letters').set(auth())).body.items.map((d: { reason: string }) => d.reason).join('\n');
      expect(letters).not.toMatch(/db-7|token=/);
      expect((await run()).status).toBe('succeeded');
    });
  });
});
