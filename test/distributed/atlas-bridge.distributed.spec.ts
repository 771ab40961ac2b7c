import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { gzipValue, splitValues, wholeValue } from '../support/atlas/atlas-topic-records';
import { bridgeQuiet } from '../support/atlas/bridge-quiet';
import { AtlasFake, AtlasFakeEnvelope, startAtlasFake } from '../support/fakes/atlas-fake';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const PARTITIONS = 3;
const SRC = 'sales.raw_orders@prod';
const MID = 'sales.orders@prod';
const DST = 'sales.revenue@prod';
const ANA = { user: 'ana' };
/** how long nothing may happen before the loop counts as settled */
const QUIET_MS = 5_000;


/**
 * The upstream Apache Atlas flavour of the whole loop, on the engines' real Kafka: the fake Atlas's
 * notifications (the bridge's own writes' included) are produced to a fresh ATLAS_ENTITIES topic as
 * Atlas produces them (null keys; whole, GZIP and split records in turn, split parts out of order on
 * partitions of their own), and the platform reads it through the `atlas` connector's `kafka` config.
 * Upstream Atlas names no writer in its notifications: only the bridge's outbox keeps its own tag
 * writes from coming back as direct tags, which is what settles the round trip in one cycle.
 */
describe('the Atlas bridge on Kafka, the whole loop', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `tributary-atlas-bridge-${run}`;
  const logTopics = STREAMS.map((s) => topicOf(s, asTenantId('default'), 'pooled', prefix));
  const atlasTopic = `${prefix}-ATLAS_ENTITIES`;
  const kafka = new Kafka({ clientId: 'atlas-bridge-spec', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  let t: TestApp;
  let fake: AtlasFake;
  let connectorId: string;
  const guids: Record<string, string> = {};
  const encodings: Record<string, number> = { whole: 0, gzip: 0, split: 0 };
  let produced = 0;
  const notified: AtlasFakeEnvelope[] = [];
  let chain: Promise<unknown> = Promise.resolve();

  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  /** One notification as Atlas produces it: whole, GZIP or split in turn (a split message's parts in reverse order, each on its own partition). */
  const produce = (envelope: AtlasFakeEnvelope) => {
    const n = produced++;
    const msgId = `${run}-0000-0000-0000-000000000000_${n}`;
    if (n % 3 === 0) {
      encodings.whole++;
      return producer.send({ topic: atlasTopic, messages: [{ key: null, value: wholeValue(envelope), partition: 0 }] });
    }
    if (n % 3 === 1) {
      encodings.gzip++;
      return producer.send({ topic: atlasTopic, messages: [{ key: null, value: gzipValue(envelope, msgId), partition: 0 }] });
    }
    encodings.split++;
    const parts = splitValues(envelope, msgId, 3);
    return producer.send({ topic: atlasTopic, messages: [...parts.entries()].reverse().map(([i, value]) => ({ key: null, value, partition: i })) });
  };
  const asset = async (qn: string) => {
    const res = await t.http().get(`/v1/assets/${enc(qn)}`).set(auth());
    return res.status === 200 ? res.body as { typeName: string; classifications: { name: string; source: string }[] } : undefined;
  };
  const tags = async (qn: string) => ((await asset(qn))?.classifications ?? []).map((c) => `${c.name}:${c.source}`).sort();
  const downstream = async (qn: string) =>
    ((await t.http().get(`/v1/lineage/${enc(qn)}?direction=downstream&depth=5`).set(auth())).body.nodes as { qualifiedName: string }[] ?? [])
      .map((n) => n.qualifiedName).filter((n) => n !== qn).sort();
  /** Nothing moves for QUIET_MS: no change event in Tributary, no write to the fake, nothing left to produce. */
  let quiet: () => Promise<void>;
  /** the fake's classification writes for an entity: [method, qualifiedName] of each that succeeded */
  const tagWrites = (qn: string, since: number) => fake.requests
    .filter((r) => r.at >= since && r.status < 300 && /classification/.test(r.apiPath) && r.method !== 'GET' && r.query['attr:qualifiedName'] === qn)
    .map((r) => r.method);

  beforeAll(async () => {
    await createTopics(brokers, logTopics, 1, 3_600_000);
    await createTopics(brokers, [atlasTopic], PARTITIONS, 3_600_000);
    await producer.connect();
    fake = await startAtlasFake({ flavour: 'atlas', tagTypes: ['PII'] });
    fake.listen((envelope) => {
      notified.push(envelope);
      chain = chain.then(() => produce(envelope));
    });
    t = await startTestApp({ parts: platformApp, config: { kafkaBrokers: brokers.join(','), topicPrefix: prefix, reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
    connectorId = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'atlas', name: 'atlas',
      config: { ...fake.config(), kafka: { brokers, topic: atlasTopic, startFrom: 'earliest', splitTimeoutSeconds: 60 } } }).expect(201)).body.id;
    quiet = bridgeQuiet(t, fake, { pending: () => chain, quietMs: QUIET_MS, deadlineMs: 120_000 });
  });
  afterAll(async () => {
    await chain;
    await t?.close();
    await fake?.stop();
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...logTopics, atlasTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('tables and two hive_processes, notified whole, GZIP and split, become assets and edges named by their processes', async () => {
    for (const qn of [SRC, MID, DST]) guids[qn] = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: qn });
    fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: 'sales.load_orders@prod', inputs: [guids[SRC]], outputs: [guids[MID]] });
    fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: 'sales.load_revenue@prod', inputs: [guids[MID]], outputs: [guids[DST]] });
    await chain;
    expect(Object.values(encodings).every((n) => n > 0)).toBe(true);
    await waitFor('the lineage from Atlas', async () => ((await downstream(SRC)).length === 2 ? true : undefined), 90_000);
    expect(await downstream(SRC)).toEqual([MID, DST].sort());
    for (const qn of [SRC, MID, DST]) expect((await asset(qn))?.typeName).toBe('table');
    const added = ((await t.http().get('/v1/changes?limit=500').set(auth())).body.items as { type: string; data: { after: unknown } }[])
      .filter((c) => c.type === 'lineage.edge.added').map((c) => c.data.after);
    expect(added).toEqual(expect.arrayContaining([{ from: SRC, to: MID, process: 'sales.load_orders@prod' }, { from: MID, to: DST, process: 'sales.load_revenue@prod' }]));
    await quiet();
    expect(fake.writes()).toEqual([]);
    expect(connectorId).toBeDefined();
  });

  it('a tag added in Atlas propagates in Tributary, is written downstream once as propagate:false, and the loop settles in one cycle', async () => {
    const since = Date.now();
    fake.seed.addTag(ANA, guids[SRC], 'PII');
    for (const qn of [MID, DST]) {
      await waitFor(`PII on ${qn} in Atlas`, async () => (fake.entityByQualifiedName('hive_table', qn)!.classifications.length > 0 ? true : undefined), 90_000);
    }
    await quiet();
    for (const qn of [MID, DST]) {
      expect(fake.entityByQualifiedName('hive_table', qn)!.classifications).toEqual([expect.objectContaining({ typeName: 'PII', entityGuid: guids[qn], propagate: false })]);
      expect({ qn, writes: tagWrites(qn, since) }).toEqual({ qn, writes: ['POST'] });
      // the write came back on the topic as a CLASSIFICATION_ADD; the outbox knew it: never a direct tag
      expect({ qn, tags: await tags(qn) }).toEqual({ qn, tags: ['PII:propagated'] });
    }
    expect(await tags(SRC)).toEqual(['PII:direct']);
    expect(tagWrites(SRC, since)).toEqual([]);
    // the loop did close: Atlas notified the bridge's own writes on the topic
    for (const qn of [MID, DST]) {
      const back = notified.filter((e) => e.message.operationType === 'CLASSIFICATION_ADD' && e.message.entity.guid === guids[qn]);
      expect({ qn, back: back.length }).toEqual({ qn, back: 1 });
    }

    const removedAt = Date.now();
    fake.seed.removeTag(ANA, guids[SRC], 'PII');
    for (const qn of [MID, DST]) {
      await waitFor(`PII gone from ${qn} in Atlas`, async () => (fake.entityByQualifiedName('hive_table', qn)!.classifications.length === 0 ? true : undefined), 90_000);
    }
    await quiet();
    for (const qn of [MID, DST]) {
      expect({ qn, writes: tagWrites(qn, removedAt) }).toEqual({ qn, writes: ['DELETE'] });
      expect({ qn, tags: await tags(qn) }).toEqual({ qn, tags: [] });
    }
    expect(await tags(SRC)).toEqual([]);
  });
});
