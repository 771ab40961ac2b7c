import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { inboundHeaders } from '@tributary/connectors';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook } from '../support/montecarlo/webhooks';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-postgres';
import { waitFor } from '../support/wait-for';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

/**
 * A dedicated tenant whose database is reached through a proxy: the test lets the poison record of
 * a batch be parked, holds the next record's apply on a lock, and then cuts the database off, so the
 * batch fails after the poison record was parked and is retried once the database is back.
 */
describe('Dead letters of a batch that is retried', () => {
  let t: TestApp;
  let tenantDb: { url: string; drop: () => Promise<void> };
  let proxy: TcpProxy;
  let key: string;
  let connectorId: string;
  const tenant = asTenantId('dedicated');
  const auth = () => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { tenantRetryMaxMs: 500 } });
    tenantDb = await createTestDatabase();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(tenantDb.url).port) });
    const viaProxy = new URL(tenantDb.url);
    viaProxy.port = String(proxy.port);
    const created = await t.http().post('/v1/tenants').set({ Authorization: `Bearer ${t.adminKey}` })
      .send({ id: tenant, name: 'Dedicated', placement: 'dedicated', databaseUrl: viaProxy.toString() });
    expect(created.status).toBe(201);
    key = created.body.adminKey;
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS', typeName: 'Table' }] }).expect(200);
    connectorId = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } })).body.id;
  });
  afterAll(async () => {
    await t.close();
    await proxy.down();
    await tenantDb.drop();
  });

  it('parks a poison record once, although the batch fails after parking it and runs again', async () => {
    const delivery: InboundDelivery = { id: randomUUID(), tenant, connectorId, connectorType: 'montecarlo', via: 'webhook', receivedAt: new Date(),
      contentType: 'application/json', body: JSON.stringify(incidentWebhook({ incidentId: 'after-the-poison' })), traceparent: null };
    // straight to the tenant's database, not through the proxy: the operator holds a lock, the watcher
    // reads pg_stat_activity (inside the operator's transaction it would not change)
    const [operator, watcher] = [new Client({ connectionString: tenantDb.url }), new Client({ connectionString: tenantDb.url })];
    await operator.connect();
    await watcher.connect();
    try {
      // the incident's apply waits for this lock (EXCLUSIVE blocks writes); the poison record before it is parked first
      await operator.query('BEGIN');
      await operator.query('LOCK TABLE tributary_data.incidents IN EXCLUSIVE MODE');
      await t.runtime.eventLog.append('inbound', [
        { tenantId: tenant, key: `${connectorId}/poison`, value: Buffer.from('not avro at all'), headers: {} },
        { tenantId: tenant, key: `${connectorId}/after-the-poison`, value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery) },
      ]);
      await waitFor('the apply to wait for the lock', async () => {
        const { rows } = await watcher.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
          AND wait_event_type = 'Lock' AND query LIKE '%"incidents"%'`);
        return rows.length > 0 ? true : undefined;
      });
      // the tenant's database goes away under the apply, and stays away for a few retries
      await proxy.down();
      await operator.query('COMMIT');
    } finally {
      await operator.end();
      await watcher.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await proxy.up();
    await waitFor('the incident after the poison record', async () => {
      const items = (await t.http().get('/v1/incidents').set(auth())).body.items as { externalId: string }[];
      return items.some((i) => i.externalId === 'after-the-poison') ? true : undefined;
    }, 30_000);
    const letters = (await t.http().get('/v1/dead-letters').set(auth())).body.items as { reason: string }[];
    expect(letters.map((l) => l.reason)).toEqual([expect.stringMatching(/^undecodable inbound record/)]);
  });
});
