import { connect } from 'node:net';
import { Client } from 'pg';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Time limits as a client of the API meets them: the store's statement timeout and the HTTP server's request timeout. */
describe('Time limits', () => {
  describe('a statement that outlives TRIBUTARY_DB_STATEMENT_TIMEOUT_MS', () => {
    let t: TestApp;
    let blocker: Client;
    const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

    beforeAll(async () => {
      t = await startTestApp({ config: { dbStatementTimeoutMs: 1000 } });
      blocker = new Client({ connectionString: t.databaseUrl });
      await blocker.connect();
    });
    afterAll(async () => {
      await blocker.end();
      await t.close();
    });

    it('answers 503 store_timeout with Retry-After when a request waits behind a lock, and changes nothing', async () => {
      const put = (owner: string) => t.http().put('/v1/assets').set(auth())
        .send({ assets: [{ qualifiedName: 'locked', typeName: 'Table', attributes: { owner } }] });
      expect((await put('ada')).status).toBe(200);
      // another session holds the assets table (a long migration or maintenance, say) for longer than the limit
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE tenant_pooled.assets IN ACCESS EXCLUSIVE MODE');
      const res = await put('grace');
      await blocker.query('ROLLBACK');

      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.body.error).toEqual({ code: 'store_timeout', message: expect.stringContaining('time limit'), details: { retryAfterSeconds: expect.any(Number) } });
      const asset = await t.http().get(`/v1/assets/${enc('locked')}`).set(auth());
      expect(asset.body).toMatchObject({ version: 1, attributes: { owner: 'ada' } });
      const changes = await t.http().get('/v1/changes?after=0').set(auth());
      expect(changes.body.items.map((e: { type: string }) => e.type)).toEqual(['asset.created']);
    });
  });

  describe('an ingest batch that hits the statement timeout', () => {
    let t: TestApp;
    let sql: Client;
    const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

    beforeAll(async () => {
      t = await startTestApp({ parts: platformApp, config: { dbStatementTimeoutMs: 1000 } });
      sql = new Client({ connectionString: t.databaseUrl });
      await sql.connect();
    });
    afterAll(async () => {
      await sql.end();
      await t.close();
    });

    it('is retried, never parked: the incident is applied once the store answers again', async () => {
      const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }] });
      const connector = (await t.http().post('/v1/connectors').set(auth())
        .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } })).body;

      const blocker = new Client({ connectionString: t.databaseUrl });
      await blocker.connect();
      await blocker.query('BEGIN');
      // EXCLUSIVE, not ACCESS EXCLUSIVE: that one gives the transaction an id, and the embedded event
      // log would then hold the webhook's record back until the lock goes (it reads below the oldest running transaction)
      await blocker.query('LOCK TABLE tenant_pooled.incidents IN EXCLUSIVE MODE');
      const body = JSON.stringify(incidentWebhook({ tables: ['analytics:public.orders'] }));
      const res = await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
        .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body);
      expect(res.status).toBe(202);
      // Each attempt waits behind the lock until the statement timeout cancels it. Three attempts
      // seen (or the delivery parked, as it was when a timeout counted as a bad record) and the lock goes.
      const attempts = new Set<string>();
      await waitFor('three timed-out attempts, or a dead letter', async () => {
        const waiting = await sql.query(`SELECT pid, query_start FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`, [(blocker as unknown as { processID: number }).processID]);
        for (const w of waiting.rows) attempts.add(`${w.pid}/${(w.query_start as Date).toISOString()}`);
        const parked = (await sql.query('SELECT count(*)::int AS n FROM tenant_pooled.dead_letters')).rows[0].n;
        return attempts.size >= 3 || parked > 0 ? true : undefined;
      }, 30_000);
      await blocker.query('ROLLBACK');
      await blocker.end();

      // Not the inbound log's lag: a batch that failed is held back on the tenant's backoff, out of the lag, until its retry.
      const openIncidents = async () => (await t.http().get(`/v1/assets/${enc(ORDERS)}/health`).set(auth())).body.openIncidents as number;
      const deadLetters = async () => (await t.http().get('/v1/dead-letters').set(auth())).body.items as unknown[];
      await waitFor('the incident applied, or parked', async () => ((await openIncidents()) === 1 || (await deadLetters()).length > 0 ? true : undefined), 60_000);
      expect(await deadLetters()).toEqual([]);
      expect(await openIncidents()).toBe(1);
    });
  });

  describe('a client that sends its headers, then stalls its body', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ config: { httpRequestTimeoutMs: 1000 } });
      await t.app.listen(0, '127.0.0.1');
    });
    afterAll(async () => { await t.close(); });

    it('is cut off after TRIBUTARY_HTTP_REQUEST_TIMEOUT_MS with 408 request_timeout, and nothing is stored', async () => {
      const { port } = t.app.getHttpServer().address() as { port: number };
      const socket = connect(port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk) => received.push(chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      const partial = '{"assets": [{"qualifiedName": "half-sent", ';
      socket.write(`PUT /v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.adminKey}\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${partial.length + 100}\r\n\r\n${partial}`);
      await closed;

      const answer = Buffer.concat(received).toString();
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'request_timeout', message: expect.stringContaining('1000 ms') } });
      const asset = await t.http().get(`/v1/assets/${enc('half-sent')}`).set({ Authorization: `Bearer ${t.adminKey}` });
      expect(asset.status).toBe(404);
    });
  });
});
