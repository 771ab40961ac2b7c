import { Client } from 'pg';
import { Metrics } from '@tributary/observability';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-postgres';
import { waitFor } from '../support/wait-for';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

describe('Consumers that lose their connection or stall', () => {
  let t: TestApp;
  let connector: { id: string; signingSecret: string };
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const deliver = async (incidentId: string) => {
    const body = JSON.stringify(incidentWebhook({ incidentId }));
    const res = await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body);
    expect(res.status).toBe(202);
  };
  const applied = (incidentId: string) => waitFor(`incident ${incidentId} to be applied`, async () => {
    const items = (await t.http().get('/v1/incidents?limit=500').set(auth())).body.items as { externalId: string }[];
    return items.some((i) => i.externalId === incidentId) ? true : undefined;
  });
  /** A session of its own on the test database (as an operator's psql would be). */
  const session = async () => {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    return c;
  };
  const stalledGauge = async () => (await t.app.get(Metrics).registry.getSingleMetricAsString('tributary_consumer_stalled'));

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { stallSeconds: 2 } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS', typeName: 'Table' }] }).expect(200);
    connector = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } })).body;
  });
  afterAll(async () => { await t.close(); });

  describe('an embedded consumer whose connection is terminated', () => {
    it('connects again: a webhook sent afterwards is applied, and its change reaches the propagator', async () => {
      const operator = await session();
      try {
        // the consumers' own connections (the ingestor's and the propagator's): named, or known by the query they read the log with
        const consumers = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND (application_name LIKE 'tributary-consumer%' OR query LIKE '%FROM tributary.event_log l%')`;
        await waitFor('both consumers to be connected', async () => ((await operator.query(consumers)).rowCount! >= 2 ? true : undefined));
        const { rows } = await operator.query(`SELECT pg_terminate_backend(pid) AS ok FROM (${consumers}) c`);
        expect(rows.length).toBeGreaterThanOrEqual(2);
      } finally {
        await operator.end();
      }
      await deliver('after-terminate');
      await applied('after-terminate');
      await waitFor('the propagator to consume the change', async () => ((await t.runtime.eventLog.lag('propagator', 'changes')) === 0 ? true : undefined));
      expect((await t.http().get('/readyz')).status).toBe(200);
    });
  });

  describe('a consumer blocked while records arrive', () => {
    it('makes /readyz answer 503 naming it (and the stalled gauge show it), then 200 once the block is released', async () => {
      expect((await t.http().get('/readyz')).status).toBe(200);
      const operator = await session();
      try {
        // a lock on the table the ingestor writes, held by another session (EXCLUSIVE: it blocks writes;
        // ACCESS EXCLUSIVE would also hold back the embedded log's watermark, as it takes a transaction id)
        await operator.query('BEGIN');
        await operator.query('LOCK TABLE tenant_pooled.incidents IN EXCLUSIVE MODE');
        await deliver('while-blocked');
        const stalled = await waitFor('/readyz to report the stall', async () => {
          const res = await t.http().get('/readyz');
          return res.status === 503 ? res.body : undefined;
        });
        expect(stalled).toMatchObject({ status: 'not ready', checks: { store: 'ok', 'consumer ingestor/inbound': expect.stringMatching(/^stalled: no progress for \d+ s, lag [1-9]\d*$/) } });
        expect(stalled.checks['consumer propagator/changes']).toBe('ok');
        expect(await stalledGauge()).toMatch(/tributary_consumer_stalled\{group="ingestor",stream="inbound"[^}]*\} 1/);
        await operator.query('COMMIT');
      } finally {
        await operator.end();
      }
      await applied('while-blocked');
      const ready = await waitFor('/readyz to be ready again', async () => {
        const res = await t.http().get('/readyz');
        return res.status === 200 ? res.body : undefined;
      });
      expect(ready.checks['consumer ingestor/inbound']).toBe('ok');
      expect(await stalledGauge()).toMatch(/tributary_consumer_stalled\{group="ingestor",stream="inbound"[^}]*\} 0/);
    });
  });

  describe('readiness with a dedicated tenant whose database is gone', () => {
    it('says a tenant database is unreachable without naming its host, port or database, and stays ready for the others', async () => {
      const db = await createTestDatabase();
      const res = await t.http().post('/v1/tenants').set(auth()).send({ id: 'gone', name: 'Gone', placement: 'dedicated', databaseUrl: db.url });
      expect(res.status).toBe(201);
      await db.drop();
      const ready = await t.http().get('/readyz');
      const text = JSON.stringify(ready.body);
      const url = new URL(db.url);
      for (const secret of [url.hostname, url.port, url.pathname.slice(1), 'postgres://', 'localhost']) expect(text).not.toContain(secret);
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ store: 'ok', 'tenant databases': '1 of 1 unreachable' });
    });
  });
});
