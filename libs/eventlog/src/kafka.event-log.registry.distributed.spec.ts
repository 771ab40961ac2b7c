import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { changeEventCodec, confluentFraming, fingerprintOf, parseSchema, singleObject } from '@tributary/contracts';
import { asTenantId } from '@tributary/store';
import { ConfluentWireFormat } from './confluent.wire-format';
import { LogRecord } from './event-log';
import { createTopics, KafkaEventLog, STREAMS, topicOf } from './kafka.event-log';
import { SchemaRegistryClient } from './schema-registry.client';
import { readMessages } from '../../../test/support/kafka-topic';
import { schemaRegistryUrl, unreachableRegistryUrl } from '../../../test/support/schema-registry';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const tenant = asTenantId('acme');
const change = (id: string) => ({ id, tenant: 'acme', sequence: 1, type: 'asset.updated', subject: 'db.public.orders',
  time: new Date('2026-11-24T10:00:00Z'), origin: 'api', traceparent: null, data: '{}' });

describe(`${KafkaEventLog.name} with a schema registry`, () => {
  // A topic prefix of its own: the run sees only its own records.
  const prefix = `tributary-test-${randomBytes(4).toString('hex')}`;
  const topic = topicOf('changes', tenant, 'pooled', prefix);
  const kafka = new Kafka({ clientId: 'registry-test', brokers, logLevel: logLevel.NOTHING });
  const logWith = (url: string) => new KafkaEventLog({ brokers, clientId: 'registry-test', topicPrefix: prefix, placementOf: async () => 'pooled',
    wireFormat: new ConfluentWireFormat(new SchemaRegistryClient(url)) });
  let log: KafkaEventLog;

  beforeAll(async () => {
    await createTopics(brokers, STREAMS.map((s) => topicOf(s, tenant, 'pooled', prefix)), 1, 3_600_000);
    log = logWith(schemaRegistryUrl);
  });

  afterAll(async () => {
    await log.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: STREAMS.map((s) => topicOf(s, tenant, 'pooled', prefix)) }).catch(() => undefined);
    await admin.disconnect();
  });

  async function consume(group: string, count: number): Promise<LogRecord[]> {
    const seen: LogRecord[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => { done = r; });
    const sub = await log.subscribe(group, 'changes', async (batch) => {
      seen.push(...batch);
      if (seen.length >= count) done();
    }, { batchSize: 100, onError: () => undefined });
    await finished;
    await sub.stop();
    return seen;
  }

  it('produces Confluent-framed values and consumes them, and single-object ones, as single-object bodies', async () => {
    const body = changeEventCodec.encode(change('through-registry'));
    await log.append('changes', [{ tenantId: tenant, key: 'k', value: body, headers: {} }]);
    // another writer on the same topic that knows no registry (Debezium copies the stored body)
    const producer = kafka.producer();
    await producer.connect();
    const plain = changeEventCodec.encode(change('single-object'));
    await producer.send({ topic, messages: [{ key: 'k', value: plain, headers: { tenant } }] });
    await producer.disconnect();

    const [framed, unframed] = await readMessages(kafka, topic, 2);
    expect(framed.value![0]).toBe(0x00);
    const { schemaId, body: avro } = confluentFraming.parse(framed.value!)!;
    expect(avro).toEqual(singleObject.parse(body)!.body);
    const schema = await new SchemaRegistryClient(schemaRegistryUrl).schemaById(schemaId);
    expect(fingerprintOf(parseSchema(JSON.parse(schema!)))).toEqual(changeEventCodec.fingerprint);
    expect(unframed.value).toEqual(plain);

    const records = await consume('reader', 2);
    expect(records.map((r) => r.value)).toEqual([body, plain]);
    expect(records.map((r) => changeEventCodec.decode(r.value).id)).toEqual(['through-registry', 'single-object']);
  });

  it('retries a batch while the registry is down instead of handing it on', async () => {
    const down = logWith(await unreachableRegistryUrl());
    const errors: unknown[] = [];
    let handled = 0;
    let twice!: () => void;
    const retried = new Promise<void>((r) => { twice = r; });
    const sub = await down.subscribe('while-down', 'changes', async (batch) => { handled += batch.length; },
      { batchSize: 100, onError: (err) => { errors.push(err); if (errors.length >= 2) twice(); } });
    await retried;
    await sub.stop();
    await down.close();
    expect(handled).toBe(0);
    expect(String(errors[0])).toMatch(/schema registry unreachable: GET .*\/schemas\/ids\/\d+: the service could not be reached \(ECONNREFUSED\)/);
    expect(await log.lag('while-down', 'changes')).toBe(2);
  });
});
