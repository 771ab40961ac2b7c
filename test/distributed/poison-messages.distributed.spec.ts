import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { readMessages } from '../support/kafka-topic';
import { confluentFraming, deadLetterCodec, DeadLetterRecord, inboundDeliveryCodec, singleObject } from '@tributary/contracts';
import { ConfluentWireFormat, createTopics, SchemaRegistryClient, STREAMS, topicOf } from '@tributary/eventlog';
import { AppParts } from '@tributary/platform';
import { asTenantId } from '@tributary/store';
import { apiApp } from '../../apps/api/src/api.app';
import { ingestorApp } from '../../apps/ingestor/src/ingestor.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { schemaRegistryUrl } from '../support/schema-registry';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const tenant = asTenantId('default');
const UNKNOWN_ID = 0x7fffffff;

/** The api and the ingestor in one process (no propagator: nothing here needs it). */
const apiAndIngestor: AppParts = {
  name: 'api+ingestor', modules: (runtime) => [apiApp, ingestorApp].flatMap((a) => a.modules(runtime)), onReady: apiApp.onReady,
};

interface Letter { id: string; stream: string; reason: string; payload: { key: string; value: string } }

describe('poison messages on Kafka with a schema registry', () => {
  // Topics of its own (one partition: the records below are consumed in the order appended).
  const prefix = `tributary-test-${randomBytes(4).toString('hex')}`;
  const topics = STREAMS.map((s) => topicOf(s, tenant, 'pooled', prefix));
  const kafka = new Kafka({ clientId: 'poison-test', brokers, logLevel: logLevel.NOTHING });
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    await createTopics(brokers, topics, 1, 3_600_000);
    t = await startTestApp({ parts: apiAndIngestor, config: { kafkaBrokers: brokers.join(','), topicPrefix: prefix, schemaRegistryUrl } });
  });

  afterAll(async () => {
    await t?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('parks garbage, an unknown fingerprint and an unknown schema id with their reasons, on the dead-letter topic too, and applies what follows', async () => {
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }] });
    const connector = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } })).body;

    // A real delivery's Avro body, so that the unknown fingerprint and the unknown id wrap a body that would otherwise decode.
    const avro = singleObject.parse(inboundDeliveryCodec.encode({ id: 'd-1', tenant, connectorId: connector.id, connectorType: 'montecarlo',
      via: 'webhook', receivedAt: new Date(), contentType: 'application/json', body: '{}', traceparent: null }))!.body;
    const poison = {
      garbage: Buffer.from('{"this is": "json, not avro"}'),
      fingerprint: singleObject.frame(Buffer.from('00112233445566ff', 'hex'), avro),
      schemaId: confluentFraming.frame(UNKNOWN_ID, avro),
    };
    await t.runtime.eventLog.append('inbound', Object.entries(poison).map(([key, value]) => ({ tenantId: tenant, key, value, headers: { ce_id: key } })));

    // ...and a valid delivery after them, through the public path
    const body = JSON.stringify(incidentWebhook({ incidentId: 'after-the-poison' }));
    const res = await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body);
    expect(res.status).toBe(202);
    await waitFor('the delivery after the poison to be applied', async () => {
      const asset = (await t.http().get(`/v1/assets/${enc(ORDERS)}`).set(auth())).body;
      return asset.incidents?.some((i: { externalId: string }) => i.externalId === 'after-the-poison') ? true : undefined;
    }, 60_000); // a consumer group's first join takes a while on a busy machine

    // in the store, with their reasons and their original bytes (the API lists and replays them)
    const letters = (await t.http().get('/v1/dead-letters').set(auth())).body.items as Letter[];
    const byKey = new Map(letters.map((l) => [l.payload.key, l]));
    expect(letters).toHaveLength(3);
    expect(byKey.get('garbage')!.reason).toBe('undecodable inbound record: not Avro single-object encoding (missing the C3 01 marker)');
    expect(byKey.get('fingerprint')!.reason).toBe('undecodable inbound record: unknown writer schema (fingerprint 00112233445566ff) for io.tributary.inbound.v1.InboundDelivery');
    expect(byKey.get('schemaId')!.reason)
      .toBe(`undecodable inbound record: unknown schema id ${UNKNOWN_ID} (Confluent wire format): no schema registry resolved it`);
    for (const [key, value] of Object.entries(poison)) expect(Buffer.from(byKey.get(key)!.payload.value, 'base64')).toEqual(value);

    // on the dead-letter topic: Confluent-framed DeadLetter records carrying the same
    const wire = new ConfluentWireFormat(new SchemaRegistryClient(schemaRegistryUrl));
    const onTopic = await readMessages(kafka, topicOf('dead-letters', tenant, 'pooled', prefix), 3);
    expect(onTopic.map((m) => m.value![0])).toEqual([0x00, 0x00, 0x00]);
    const published = await Promise.all(onTopic.map(async (m) => deadLetterCodec.decode(await wire.fromWire(m.value!))));
    expect(published).toEqual(Object.entries(poison).map(([key, value]): DeadLetterRecord => ({
      id: byKey.get(key)!.id, tenant, stream: 'inbound', reason: byKey.get(key)!.reason, time: expect.any(Date),
      key, headers: { ce_id: key }, value, payload: null,
    })));
    expect(onTopic.map((m) => m.key!.toString())).toEqual(['garbage', 'fingerprint', 'schemaId']);
    expect(await t.runtime.eventLog.lag('ingestor', 'inbound')).toBe(0);
  });
});
