import { randomBytes, randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { incidentFactCodec, IncidentFactRecord } from '@tributary/contracts';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { AppParts } from '@tributary/platform';
import { asTenantId } from '@tributary/store';
import { apiApp } from '../../apps/api/src/api.app';
import { ingestorApp } from '../../apps/ingestor/src/ingestor.app';
import { outboxConnector } from '../support/debezium';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';

/** The api and the ingestor in one process: webhooks in, incidents applied, no relay (Debezium captures). */
const apiAndIngestor: AppParts = {
  name: 'api+ingestor',
  modules: (runtime) => [apiApp, ingestorApp].flatMap((a) => a.modules(runtime)),
  onReady: apiApp.onReady,
};

interface FactRecord { topic: string; key: string; fact: IncidentFactRecord; headers: Record<string, string | null> }

/**
 * The incident-facts topics (what Druid ingests), captured by Debezium from the incident-facts
 * outbox: Monte Carlo webhooks → api → inbound log → ingestor → outbox → Debezium → Kafka, for a
 * pooled tenant (the pooled topic) and for a schema tenant (its own topic). That a tenant provisioned
 * after the per-tenant connector started joins its publication with both outbox tables is
 * debezium.distributed.spec.ts's.
 */
describe('Incident facts captured by Debezium', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `tributary-facts-${run}`;
  const schemaTenant = `facts-${run}`;
  const pooledTopic = topicOf('incident-facts', asTenantId('default'), 'pooled', prefix);
  const schemaTopic = topicOf('incident-facts', asTenantId(schemaTenant), 'schema', prefix);
  const topics = [...STREAMS.map((s) => topicOf(s, asTenantId('default'), 'pooled', prefix)),
    ...STREAMS.map((s) => topicOf(s, asTenantId(schemaTenant), 'schema', prefix))];
  const kafka = new Kafka({ clientId: 'incident-facts-spec', brokers, logLevel: logLevel.NOTHING });
  const records: FactRecord[] = [];
  const registered: ('pooled' | 'per-tenant')[] = [];
  let consumer: Consumer;
  let t: TestApp;
  let schemaKey: string;
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });

  /** A Monte Carlo connector of the tenant of `key`, and a function that delivers signed webhooks to it. */
  async function monteCarlo(key: string) {
    const c = (await t.http().post('/v1/connectors').set(auth(key)).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
    return async (payload: Record<string, unknown>) => {
      const body = JSON.stringify(payload);
      await t.http().post(`/v1/hooks/montecarlo/${c.id}`).set('Content-Type', 'application/json')
        .set('x-mcd-signature', signMonteCarlo(body, c.signingSecret)).send(body).expect(202);
    };
  }
  const incidentOf = (key: string, externalId: string) => waitFor(`incident ${externalId}`, async () =>
    ((await t.http().get('/v1/incidents?limit=100').set(auth(key))).body.items as { id: string; externalId: string }[])
      .find((i) => i.externalId === externalId), 60_000);

  beforeAll(async () => {
    await createTopics(brokers, topics, 3, 3_600_000);
    t = await startTestApp({ parts: apiAndIngestor, config: { kafkaBrokers: brokers.join(','), topicPrefix: prefix, changeCapture: 'debezium' } });
    // before the per-tenant connector: Debezium cannot create a filtered publication of no table
    schemaKey = (await t.http().post('/v1/tenants').set(auth()).send({ id: schemaTenant, name: 'Facts', placement: 'schema' }).expect(201)).body.adminKey;
    for (const kind of ['pooled', 'per-tenant'] as const) {
      registered.push(kind);
      await outboxConnector('register', kind, t.databaseUrl, prefix);
    }
    consumer = kafka.consumer({ groupId: `incident-facts-spec-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [pooledTopic, schemaTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        records.push({
          topic, key: message.key?.toString() ?? '', fact: incidentFactCodec.decode(message.value ?? Buffer.alloc(0)),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v == null ? null : String(v)])),
        });
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    for (const kind of registered) await outboxConnector('remove', kind, t.databaseUrl, prefix);
    await t?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('a pooled tenant\'s incident changes reach the pooled topic as facts, keyed by tenant and incident, in order', async () => {
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }] }).expect(200);
    const deliver = await monteCarlo(t.adminKey);
    const externalId = randomUUID();
    await deliver(incidentWebhook({ incidentId: externalId, severity: 'SEV-1' }));
    const incident = await incidentOf(t.adminKey, externalId);
    await deliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
    const mine = await waitFor('both facts on the pooled topic', async () => {
      const found = records.filter((r) => r.fact.incidentId === incident.id);
      return found.length >= 2 ? found : undefined;
    }, 60_000);
    expect(mine.map((r) => r.topic)).toEqual([pooledTopic, pooledTopic]);
    expect(mine.map((r) => r.fact.status)).toEqual(['open', 'resolved']);
    expect(mine[0].fact).toMatchObject({ tenant: 'default', source: 'montecarlo', severity: 'SEV-1', assets: [ORDERS], resolvedAt: null });
    expect(mine[1].fact.sequence).toBeGreaterThan(mine[0].fact.sequence);
    expect(mine.map((r) => r.key)).toEqual([`default/${incident.id}`, `default/${incident.id}`]);
    expect(mine[0].headers).toMatchObject({ tenant: 'default', ce_tenant: 'default', ce_id: mine[0].fact.id, ce_type: 'incident.fact',
      ce_sequence: String(mine[0].fact.sequence), 'content-type': 'application/avro' });
  });

  it('a schema tenant\'s incident changes reach its own topic, never the pooled one', async () => {
    const key = schemaKey;
    await t.http().put('/v1/assets').set(auth(key)).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }] }).expect(200);
    const deliver = await monteCarlo(key);
    const externalId = randomUUID();
    await deliver(incidentWebhook({ incidentId: externalId }));
    const incident = await incidentOf(key, externalId);
    const [record] = await waitFor('the fact on the tenant\'s topic', async () => {
      const found = records.filter((r) => r.fact.incidentId === incident.id);
      return found.length ? found : undefined;
    }, 60_000);
    expect(record.topic).toBe(schemaTopic);
    expect(record.fact).toMatchObject({ tenant: schemaTenant, status: 'open', assets: [ORDERS] });
    expect(records.filter((r) => r.topic === pooledTopic && r.fact.tenant === schemaTenant)).toEqual([]);
  });
});
