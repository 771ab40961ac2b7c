import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { inboundHeaders } from '@tributary/connectors';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

describe('Dead letters of a batch that is retried', () => {
  let t: TestApp;
  let connectorId: string;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const tenant = asTenantId('default');

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { tenantRetryMaxMs: 500 } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS', typeName: 'Table' }] }).expect(200);
    connectorId = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } })).body.id;
  });
  afterAll(async () => { await t.close(); });

  it('parks a poison record once, although a transient failure after it in the same batch makes the batch run again', async () => {
    const delivery: InboundDelivery = { id: randomUUID(), tenant, connectorId, connectorType: 'montecarlo', via: 'webhook', receivedAt: new Date(),
      contentType: 'application/json', body: JSON.stringify(incidentWebhook({ incidentId: 'after-the-poison' })), traceparent: null };
    const operator = new Client({ connectionString: t.databaseUrl });
    await operator.connect();
    try {
      // the incident's apply will wait for this lock; the poison record before it is parked first (EXCLUSIVE:
      // it blocks writes; ACCESS EXCLUSIVE would also hold back the embedded log's watermark, as it takes a transaction id)
      await operator.query('BEGIN');
      await operator.query('LOCK TABLE tenant_pooled.incidents IN EXCLUSIVE MODE');
      await t.runtime.eventLog.append('inbound', [
        { tenantId: tenant, key: `${connectorId}/poison`, value: Buffer.from('not avro at all'), headers: {} },
        { tenantId: tenant, key: `${connectorId}/after-the-poison`, value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery) },
      ]);
      const waiting = await waitFor('the apply to wait for the lock', async () => {
        const { rows } = await operator.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return rows.length > 0 ? rows.map((r) => r.pid as number) : undefined;
      });
      // the transient failure: its connection is terminated (SQLSTATE 57P01)
      for (const pid of waiting) await operator.query('SELECT pg_terminate_backend($1)', [pid]);
      await operator.query('COMMIT');
    } finally {
      await operator.end();
    }
    await waitFor('the incident after the poison record', async () => {
      const items = (await t.http().get('/v1/incidents').set(auth())).body.items as { externalId: string }[];
      return items.some((i) => i.externalId === 'after-the-poison') ? true : undefined;
    });
    const letters = (await t.http().get('/v1/dead-letters').set(auth())).body.items as { reason: string }[];
    expect(letters.map((l) => l.reason)).toEqual([expect.stringMatching(/^undecodable inbound record/)]);
  });
});
