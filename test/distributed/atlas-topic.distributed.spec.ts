import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DeadLettersService } from '@tributary/catalog';
import { AtlasConfig, ConnectorRegistry, ConnectorsService, SourceConnector } from '@tributary/connectors';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { createTopics, STREAMS, Subscription, topicOf } from '@tributary/eventlog';
import { ATLAS_TOPIC_STREAM, AtlasKafkaConfig, AtlasTopicReader, AtlasTopicReaderDeps, AtlasTopicReaders } from '@tributary/ingest';
import { Metrics } from '@tributary/observability';
import { DEFAULT_OUTBOUND_POLICY, NodeOutboundHttp } from '@tributary/outbound';
import { asTenantId, ConnectorsRepository } from '@tributary/store';
import { entityEnvelope, gzipText, gzipValue, relationshipEnvelope, splitValues, wholeValue } from '../support/atlas/atlas-topic-records';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const tenant = asTenantId('default');
const PARTITIONS = 3;

/**
 * The `atlas` connector as far as the readers need it (its type, config and secrets): the source
 * connector itself, which normalizes what they log, is not what this spec tests.
 */
const atlasDeclaration: SourceConnector<AtlasConfig> = {
  kind: 'source', type: 'atlas', description: 'Apache Atlas (the readers\' view)', configSchema: AtlasConfig,
  secretPaths: ['auth.password', 'kafka.sasl.password'],
  verifySignature: () => false,
  validateBody: () => ({ ok: false, issues: [{ path: '', message: 'no webhooks in this spec' }] }),
  normalize: () => ({ ignored: { reason: 'not_normalized_here', action: null, type: null, version: null } }),
};

interface Logged { key: string; delivery: InboundDelivery }
interface Letter { id: string; stream: string; reason: string; payload: Record<string, unknown> }

/**
 * The reader of an Atlas deployment's notification topic, against the real Kafka of the engines: the
 * customer's topic is one of this test's own, written as Atlas writes it (null keys: a split
 * message's parts land on several partitions), and Tributary's own event log is on Kafka too.
 */
describe(AtlasTopicReader.name, () => {
  const prefix = `tributary-test-${randomBytes(4).toString('hex')}`;
  const logTopics = STREAMS.map((s) => topicOf(s, tenant, 'pooled', prefix));
  const atlasTopics: string[] = [];
  const kafka = new Kafka({ clientId: 'atlas-topic-test', brokers, logLevel: logLevel.NOTHING });
  // idempotent: a send kafkajs retries on a loaded broker (a timeout after the write) must not write a record twice,
  // which these tests would read as another record (an extra dead letter, offsets further on than expected)
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const logged: Logged[] = [];
  const warnings: Record<string, unknown>[] = [];
  const readers: AtlasTopicReader[] = [];
  let inbound: Subscription;
  let t: TestApp;
  let deps: AtlasTopicReaderDeps;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  /** A fresh ATLAS_ENTITIES of PARTITIONS partitions, and a connector that reads it. */
  async function atlasTopic(): Promise<{ topic: string; connectorId: string; kafka: AtlasKafkaConfig }> {
    const topic = `${prefix}-ATLAS_ENTITIES-${atlasTopics.length}`;
    atlasTopics.push(topic);
    await createTopics(brokers, [topic], PARTITIONS, 3_600_000);
    return { topic, connectorId: randomUUID(), kafka: { brokers, topic, ssl: false, splitTimeoutSeconds: 2, startFrom: 'earliest' } };
  }

  function startReader(connectorId: string, config: AtlasKafkaConfig): AtlasTopicReader {
    const reader = new AtlasTopicReader({ id: connectorId, tenantId: tenant, version: 1, kafka: config }, deps);
    readers.push(reader);
    reader.start();
    return reader;
  }

  /** Records with a null key, on the partitions given (where Kafka's partitioner would spread them). */
  const produce = (topic: string, values: { value: string; partition: number }[]) =>
    producer.send({ topic, messages: values.map(({ value, partition }) => ({ key: null, value, partition })) });

  const loggedFor = (connectorId: string) => logged.filter((l) => l.delivery.connectorId === connectorId);

  async function lettersOf(connectorId: string): Promise<Letter[]> {
    const items = (await t.http().get('/v1/dead-letters?limit=100').set(auth())).body.items as Letter[];
    return items.filter((l) => l.stream === ATLAS_TOPIC_STREAM && l.payload.connectorId === connectorId);
  }

  beforeAll(async () => {
    await createTopics(brokers, logTopics, 1, 3_600_000);
    t = await startTestApp({ config: { kafkaBrokers: brokers.join(','), topicPrefix: prefix } });
    deps = { log: t.runtime.eventLog, deadLetters: t.app.get(DeadLettersService), metrics: t.app.get(Metrics), warn: (message, fields) => warnings.push({ message, ...fields }) };
    inbound = await t.runtime.eventLog.subscribe(`atlas-topic-test-${randomBytes(4).toString('hex')}`, 'inbound', async (batch) => {
      logged.push(...batch.map((r) => ({ key: r.key, delivery: inboundDeliveryCodec.decode(r.value) })));
    }, { batchSize: 100, onError: () => undefined });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(readers.map((r) => r.stop()));
    await inbound?.stop();
    await producer.disconnect();
    await t?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...logTopics, ...atlasTopics] }).catch(() => undefined);
    await admin.disconnect();
  });

  describe('complete notifications become inbound deliveries', () => {
    it('logs a whole, a GZIP and a split message (parts out of order over three partitions) with the decoded envelope, keyed by entity', async () => {
      const { topic, connectorId, kafka: config } = await atlasTopic();
      const whole = entityEnvelope('guid-whole');
      const gzipped = entityEnvelope('guid-gzip', { operationType: 'ENTITY_UPDATE' });
      const split = entityEnvelope('guid-split', { padding: 20_000 });
      const parts = splitValues(split, 'c0ffee00-1111-2222-3333-444455556666_7', 3);
      const splitNone = entityEnvelope('guid-split-none');
      const partsNone = splitValues(splitNone, 'c0ffee00-1111-2222-3333-444455556666_8', 2, 'NONE');
      await produce(topic, [
        { value: wholeValue(whole), partition: 0 },
        { value: gzipValue(gzipped, 'c0ffee00-1111-2222-3333-444455556666_6'), partition: 1 },
        // the last part first, part 0 last, each on a partition of its own
        { value: parts[2]!, partition: 2 }, { value: parts[1]!, partition: 1 },
        { value: partsNone[1]!, partition: 0 }, { value: partsNone[0]!, partition: 2 },
      ]);
      await produce(topic, [{ value: parts[0]!, partition: 0 }]);
      startReader(connectorId, config);

      const got = await waitFor('four deliveries', async () => (loggedFor(connectorId).length >= 4 ? loggedFor(connectorId) : undefined), 90_000);
      expect(got).toHaveLength(4);
      const byGuid = new Map(got.map((l) => [(JSON.parse(l.delivery.body) as typeof whole).message.entity.guid, l]));
      // a message sent whole is logged byte for byte; the others as the JSON their base64 (and GZIP) held
      expect(byGuid.get('guid-whole')!.delivery.body).toBe(wholeValue(whole));
      expect(JSON.parse(byGuid.get('guid-gzip')!.delivery.body)).toEqual(gzipped);
      expect(JSON.parse(byGuid.get('guid-split')!.delivery.body)).toEqual(split);
      expect(JSON.parse(byGuid.get('guid-split-none')!.delivery.body)).toEqual(splitNone);
      for (const [guid, l] of byGuid) {
        expect(l.key).toBe(`${connectorId}/entity:${guid}`);
        expect(l.delivery).toMatchObject({ tenant, connectorId, connectorType: 'atlas', via: 'webhook', contentType: 'application/json', traceparent: null });
      }
      expect(await lettersOf(connectorId)).toEqual([]);
    });

    it('keys a relationship notification by the relationship', async () => {
      const { topic, connectorId, kafka: config } = await atlasTopic();
      const relationship = relationshipEnvelope('guid-rel');
      await produce(topic, [{ value: gzipValue(relationship, 'c0ffee00-1111-2222-3333-444455556666_9'), partition: 1 }]);
      startReader(connectorId, config);
      const [got] = await waitFor('the relationship logged', async () => (loggedFor(connectorId).length >= 1 ? loggedFor(connectorId) : undefined), 90_000);
      expect(got!.key).toBe(`${connectorId}/relationship:guid-rel`);
      expect(JSON.parse(got!.delivery.body)).toEqual(relationship);
    });
  });

  describe('where a new group starts', () => {
    it('starts from the latest offset by default: what the topic held before is left to the backfill', async () => {
      const { topic, connectorId, kafka: config } = await atlasTopic();
      await produce(topic, [0, 1, 2].map((partition) => ({ value: wholeValue(entityEnvelope(`guid-before-${partition}`)), partition })));
      startReader(connectorId, { ...config, startFrom: 'latest' });
      // the group's start position is fixed when it first fetches: records are sent until one is read after it
      let sent = 0;
      await waitFor('a record sent after the group started to be logged', async () => {
        if (loggedFor(connectorId).length > 0) return true;
        await produce(topic, [{ value: wholeValue(entityEnvelope(`guid-after-${sent++}`)), partition: 0 }]);
        await new Promise((r) => setTimeout(r, 1_000));
        return undefined;
      }, 120_000);
      expect(loggedFor(connectorId).map((l) => l.key).filter((k) => k.includes('guid-before'))).toEqual([]);
    });
  });

  describe('what cannot be read is parked with its reason, and reading goes on', () => {
    it('parks corrupt base64, corrupt GZIP, a newer version, a part whose count disagrees, and a split message missing a part (after the split timeout), and logs what follows', async () => {
      const { topic, connectorId, kafka: config } = await atlasTopic();
      const good = gzipText(entityEnvelope('guid-x'));
      const corruptGzip = Buffer.from(good, 'base64');
      corruptGzip.fill(0x41, 10, 40); // the deflate stream damaged, the header intact
      const newer = JSON.stringify({ ...entityEnvelope('guid-newer'), version: { version: '2.0.0', versionParts: [2] } });
      const missing = splitValues(entityEnvelope('guid-missing', { padding: 5_000 }), 'deadbeef-0000-0000-0000-000000000000_1', 3);
      const mismatched = splitValues(entityEnvelope('guid-mismatched', { padding: 5_000 }), 'deadbeef-0000-0000-0000-000000000000_2', 3);
      await produce(topic, [
        { value: gzipValue({}, 'm_b64', 'not*base64!'), partition: 0 },
        { value: gzipValue({}, 'm_gz', corruptGzip.toString('base64')), partition: 1 },
        { value: newer, partition: 2 },
        // a part whose count disagrees with its message's first part
        { value: mismatched[0]!, partition: 2 }, { value: JSON.stringify({ ...JSON.parse(mismatched[1]!), msgSplitCount: 2 }), partition: 2 },
        // part 1 of 3 never comes
        { value: missing[0]!, partition: 0 }, { value: missing[2]!, partition: 1 },
        { value: wholeValue(entityEnvelope('guid-after')), partition: 0 },
      ]);
      startReader(connectorId, config);

      await waitFor('the record after the bad ones to be logged', async () => (loggedFor(connectorId).length >= 1 ? true : undefined), 90_000);
      expect(loggedFor(connectorId).map((l) => l.key)).toEqual([`${connectorId}/entity:guid-after`]);
      const letters = await waitFor('six dead letters', async () => {
        const found = await lettersOf(connectorId);
        return found.length >= 6 ? found : undefined;
      }, 30_000);
      const reasons = letters.map((l) => l.reason).sort();
      expect(reasons).toEqual([
        'message is not base64',
        expect.stringMatching(/^message does not gunzip: /),
        'newer message version 2.0.0 (this reader knows 1.x)',
        'split message deadbeef-0000-0000-0000-000000000000_1: 2 of 3 parts arrived within 2s (received indices 0, 2)',
        'split part 1 of message deadbeef-0000-0000-0000-000000000000_2 says 2 parts, its earlier parts say 3',
        'split message deadbeef-0000-0000-0000-000000000000_2: 1 of 3 parts arrived within 2s (received indices 0)',
      ].sort());
      expect(letters).toHaveLength(6);
      const group = letters.find((l) => l.reason.startsWith('split message deadbeef-0000-0000-0000-000000000000_1'))!;
      expect(group.payload).toMatchObject({ msgId: 'deadbeef-0000-0000-0000-000000000000_1', count: 3, received: [0, 2], topic });
      // the raw values are kept, each with where it was read
      expect((group.payload.parts as { value: string; partition: number }[]).map((p) => [p.partition, p.value])).toEqual([[0, missing[0]], [1, missing[2]]]);
      const newerLetter = letters.find((l) => l.reason.startsWith('newer'))!;
      expect(newerLetter.payload).toMatchObject({ topic, partition: 2, value: newer });

      // everything is committed past: a new reader of the same group reads nothing again
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await waitFor('the offsets past the parked parts', async () => {
        const [committed] = await admin.fetchOffsets({ groupId: `tributary-${connectorId}`, topics: [topic] });
        const byPartition = Object.fromEntries(committed!.partitions.map((p) => [p.partition, p.offset]));
        return byPartition[0] === '3' && byPartition[1] === '2' && byPartition[2] === '3' ? byPartition : undefined;
      }, 30_000);
      await admin.disconnect();
      expect(offsets).toEqual({ 0: '3', 1: '2', 2: '3' });
    });
  });

  describe('a restart in the middle of a split message', () => {
    it('commits no further than a held part, and a new reader of the group reads the parts again and logs the message once complete', async () => {
      const { topic, connectorId, kafka: config } = await atlasTopic();
      const envelope = entityEnvelope('guid-restart', { padding: 8_000 });
      const parts = splitValues(envelope, 'abcdabcd-0000-0000-0000-000000000000_9', 3);
      const long = { ...config, splitTimeoutSeconds: 600 };
      await produce(topic, [
        { value: parts[0]!, partition: 0 },
        { value: wholeValue(entityEnvelope('guid-marker')), partition: 0 },
        { value: parts[2]!, partition: 1 },
      ]);
      const first = startReader(connectorId, long);
      await waitFor('the record after the held part to be logged', async () => (loggedFor(connectorId).length >= 1 ? true : undefined), 90_000);
      const admin = kafka.admin();
      await admin.connect();
      // partition 0 stays at part 0 (offset 0) although the record after it is logged; partition 1 at part 2 (offset 0)
      const committedNow = async () => {
        const [committed] = await admin.fetchOffsets({ groupId: `tributary-${connectorId}`, topics: [topic] });
        return Object.fromEntries(committed!.partitions.map((x) => [x.partition, x.offset]));
      };
      await waitFor('both partitions\' batches handled', async () => {
        const p = await committedNow();
        return p[0] !== '-1' && p[1] !== '-1' ? true : undefined;
      }, 30_000);
      expect(await committedNow()).toEqual({ 0: '0', 1: '0', 2: '-1' });
      await first.stop();

      // the missing part comes while no reader runs
      await produce(topic, [{ value: parts[1]!, partition: 2 }]);
      startReader(connectorId, long);
      await waitFor('the split message to be logged', async () =>
        (loggedFor(connectorId).some((l) => l.key === `${connectorId}/entity:guid-restart`) ? true : undefined), 90_000);
      const restart = loggedFor(connectorId).filter((l) => l.key === `${connectorId}/entity:guid-restart`);
      expect(restart).toHaveLength(1);
      expect(JSON.parse(restart[0]!.delivery.body)).toEqual(envelope);
      // the record after the held part is read again (at least once), and nothing was parked
      expect(loggedFor(connectorId).filter((l) => l.key === `${connectorId}/entity:guid-marker`).length).toBeGreaterThanOrEqual(1);
      expect(await lettersOf(connectorId)).toEqual([]);
      // and now everything is committed
      await waitFor('all offsets committed', async () => {
        const p = await committedNow();
        return p[0] === '2' && p[1] === '1' && p[2] === '1' ? true : undefined;
      }, 30_000);
      await admin.disconnect();
    });
  });

  describe(AtlasTopicReaders.name, () => {
    it('starts a reader for an atlas connector with kafka, restarts it when changed, and stops it when disabled or deleted', async () => {
      const { topic } = await atlasTopic();
      const connectors = new ConnectorsService(t.runtime.database, new ConnectorsRepository(t.runtime.database), new ConnectorRegistry().register(atlasDeclaration),
        t.runtime.secrets, 'http://localhost', new NodeOutboundHttp(DEFAULT_OUTBOUND_POLICY));
      const supervisor = new AtlasTopicReaders(connectors, deps, 60_000);
      await supervisor.start();
      try {
        const base = { baseUrl: 'http://atlas.example.com:21000', auth: { username: 'admin', password: 'admin-password' } };
        const withKafka = await connectors.create(tenant, 'test', { type: 'atlas', name: 'atlas with kafka', config: { ...base, kafka: { brokers, topic, startFrom: 'earliest' } } });
        const restOnly = await connectors.create(tenant, 'test', { type: 'atlas', name: 'atlas without kafka', config: base });
        // a change through this process is acted on at once, not at the next periodic pass (a minute away here)
        await waitFor('a reader for the connector with kafka', async () => (supervisor.reading().includes(withKafka.id) ? true : undefined), 10_000);
        expect(supervisor.reading()).not.toContain(restOnly.id);
        await produce(topic, [{ value: wholeValue(entityEnvelope('guid-supervised')), partition: 1 }]);
        await waitFor('the connector\'s record logged', async () => (loggedFor(withKafka.id).length === 1 ? true : undefined), 90_000);
        expect(loggedFor(withKafka.id)[0]!.delivery.tenant).toBe(tenant);

        // a changed config: a new consumer of the same group, from its committed offsets (the record is not read again)
        await connectors.update(tenant, 'test', withKafka.id, { config: { ...base, kafka: { brokers, topic, startFrom: 'earliest', splitTimeoutSeconds: 30 } } });
        await produce(topic, [{ value: wholeValue(entityEnvelope('guid-after-change')), partition: 2 }]);
        await waitFor('the record after the change logged', async () => (loggedFor(withKafka.id).length === 2 ? true : undefined), 90_000);
        expect(loggedFor(withKafka.id).map((l) => l.key)).toEqual([`${withKafka.id}/entity:guid-supervised`, `${withKafka.id}/entity:guid-after-change`]);

        const admin = kafka.admin();
        await admin.connect();
        const members = async () => (await admin.describeGroups([`tributary-${withKafka.id}`])).groups[0]!.members.length;
        expect(await members()).toBe(1);
        await connectors.update(tenant, 'test', withKafka.id, { enabled: false });
        await waitFor('the disabled connector\'s reader stopped', async () => (!supervisor.reading().includes(withKafka.id) && await members() === 0 ? true : undefined), 30_000);
        await connectors.update(tenant, 'test', withKafka.id, { enabled: true });
        await waitFor('the enabled connector read again', async () => (await members() === 1 ? true : undefined), 60_000);
        await connectors.remove(tenant, 'test', withKafka.id);
        await waitFor('the deleted connector\'s reader stopped', async () => (!supervisor.reading().includes(withKafka.id) && await members() === 0 ? true : undefined), 30_000);
        await admin.disconnect();
      } finally {
        await supervisor.stop();
      }
    });
  });

  describe('brokers that cannot be reached', () => {
    it('retries, and logs and counts each failure with the connector id, never its credentials', async () => {
      const connectorId = randomUUID();
      const failures = () => deps.metrics.atlasTopicErrors.get().then((m) => m.values.find((v) => v.labels.connector === connectorId)?.value ?? 0);
      startReader(connectorId, { brokers: ['127.0.0.1:1'], topic: 'ATLAS_ENTITIES', ssl: false, splitTimeoutSeconds: 60, startFrom: 'latest',
        sasl: { mechanism: 'plain', username: 'atlas-reader', password: 'the-sasl-password' } });
      await waitFor('two failures, the second after a retry', async () => ((await failures()) >= 2 ? true : undefined), 90_000);
      const mine = warnings.filter((w) => w.connectorId === connectorId);
      expect(mine.length).toBeGreaterThanOrEqual(2);
      expect(mine[0]).toMatchObject({ tenant, topic: 'ATLAS_ENTITIES', error: expect.any(String) });
      expect(JSON.stringify(mine)).not.toContain('the-sasl-password');
    });
  });
});
