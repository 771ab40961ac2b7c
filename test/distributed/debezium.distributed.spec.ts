import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { sql } from 'kysely';
import { changeEventCodec, ChangeEventRecord } from '@tributary/contracts';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { AppParts } from '@tributary/platform';
import { RetentionService } from '@tributary/retention';
import { asTenantId, RelayOffsetsRepository } from '@tributary/store';
import { apiApp } from '../../apps/api/src/api.app';
import { propagatorApp } from '../../apps/propagator/src/propagator.app';
import { outboxConnector } from '../support/debezium';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-postgres';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The api and the propagator in one process, as two deployments would run them. */
const apiAndPropagator: AppParts = {
  name: 'api+propagator',
  modules: (runtime) => [apiApp, propagatorApp].flatMap((a) => a.modules(runtime)),
  onReady: apiApp.onReady,
};

interface TopicRecord {
  topic: string;
  key: string;
  event: ChangeEventRecord;
  headers: Record<string, string | null>;
}

/** Reads topics from their beginning, as an outside consumer would, decoding each value as a ChangeEvent. */
async function readTopics(kafka: Kafka, topics: string[]): Promise<{ records: TopicRecord[]; consumer: Consumer }> {
  const records: TopicRecord[] = [];
  const consumer = kafka.consumer({ groupId: `debezium-spec-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      records.push({
        topic, key: message.key?.toString() ?? '', event: changeEventCodec.decode(message.value ?? Buffer.alloc(0)),
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v == null ? null : String(v)])),
      });
    },
  });
  return { records, consumer };
}

/**
 * Change capture by Debezium, end to end on the real engines: a write through the API lands in the
 * outbox, the Debezium Postgres connector with the Outbox Event Router publishes the stored Avro body
 * to the change topic, and the propagator (with TRIBUTARY_CHANGE_CAPTURE=debezium, so no relay)
 * consumes it and propagates. The run has its own database, topic prefix, queue prefix, connectors,
 * replication slots and publications, and removes them afterwards.
 */
describe('Change capture with Debezium', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `tributary-dbz-${run}`;
  const queuePrefix = `tributary-dbz-${run}`;
  const schemaTenant = `dbz-${run}`;
  const pooledTopic = topicOf('changes', asTenantId('default'), 'pooled', prefix);
  const schemaTopic = topicOf('changes', asTenantId(schemaTenant), 'schema', prefix);
  const laterTenant = `dbz-${run}-later`;
  const laterTopic = topicOf('changes', asTenantId(laterTenant), 'schema', prefix);
  const dedicatedTenant = `dbz-${run}-own-db`;
  const dedicatedTopic = topicOf('changes', asTenantId(dedicatedTenant), 'dedicated', prefix);
  let dedicatedDb: { url: string; drop: () => Promise<void> } | undefined;
  const kafka = new Kafka({ clientId: 'debezium-spec', brokers, logLevel: logLevel.NOTHING });
  let t: TestApp;
  let reader: { records: TopicRecord[]; consumer: Consumer };
  let schemaKey: string;
  const registered: ('pooled' | 'per-tenant')[] = [];
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const onTopic = (topic: string, type: string, subject: string) =>
    reader.records.filter((r) => r.topic === topic && r.event.type === type && r.event.subject === subject);

  beforeAll(async () => {
    // The topics first, as the README says (npm run topics:create): the broker creates none implicitly,
    // and the propagator subscribes to the change topics that exist when it starts.
    await createTopics(brokers, [...STREAMS.map((s) => topicOf(s, asTenantId('default'), 'pooled', prefix)), schemaTopic, laterTopic, dedicatedTopic], 3, 3_600_000);
    t = await startTestApp({ parts: apiAndPropagator, config: { kafkaBrokers: brokers.join(','), topicPrefix: prefix, redisUrl, queuePrefix,
      changeCapture: 'debezium' } });
    const created = await t.http().post('/v1/tenants').set(auth()).send({ id: schemaTenant, name: 'Schema tenant', placement: 'schema' }).expect(201);
    schemaKey = created.body.adminKey;
    // The per-tenant connector's publication lists the tenants' outbox tables that exist when it starts.
    for (const kind of ['pooled', 'per-tenant'] as const) {
      registered.push(kind);
      await outboxConnector('register', kind, t.databaseUrl, prefix);
    }
    reader = await readTopics(kafka, [pooledTopic, schemaTopic, laterTopic, dedicatedTopic]);
  });

  afterAll(async () => {
    await reader?.consumer.disconnect();
    // connectors, slots and publications before the database: PostgreSQL refuses to drop a database a slot belongs to
    for (const kind of registered) await outboxConnector('remove', kind, t.databaseUrl, prefix);
    if (dedicatedDb) await outboxConnector('remove', 'per-tenant', dedicatedDb.url, prefix);
    await t?.close();
    await dedicatedDb?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...STREAMS.map((s) => topicOf(s, asTenantId('default'), 'pooled', prefix)), schemaTopic, laterTopic, dedicatedTopic] }).catch(() => undefined);
    await admin.disconnect();
    const redis = new Redis(redisUrl);
    for await (const keys of redis.scanStream({ match: `${queuePrefix}:*`, count: 500 })) {
      if ((keys as string[]).length) await redis.del(...(keys as string[]));
    }
    await redis.quit();
  });

  describe('a pooled tenant\'s write through the API', () => {
    beforeAll(async () => {
      await t.http().put('/v1/assets').set(auth()).send({ assets: ['src', 'dst'].map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
      await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'src', to: 'dst' }] }).expect(200);
      await t.http().post(`/v1/assets/${enc('src')}/classifications`).set(auth()).send({ name: 'PII', propagate: true }).expect(200);
    });

    it('appears on the pooled change topic through Debezium: the stored Avro body, keyed by subject, with CloudEvents headers', async () => {
      const [record] = await waitFor('the classification on the change topic',
        async () => { const found = onTopic(pooledTopic, 'asset.classification.added', 'src'); return found.length ? found : undefined; }, 60_000);
      const [row] = await t.runtime.database.inTenant(asTenantId('default'), (tx) => tx.db.selectFrom('change_events').select(['id', 'sequence', 'time', 'origin', 'traceparent'])
        .where('type', '=', 'asset.classification.added').where('subject', '=', 'src').execute());
      expect(record.event).toMatchObject({ id: row.id, tenant: 'default', sequence: row.sequence, type: 'asset.classification.added', subject: 'src',
        origin: row.origin, traceparent: row.traceparent, time: row.time });
      expect(JSON.parse(record.event.data)).toMatchObject({ source: 'direct', after: { name: 'PII', propagate: true } });
      expect(record.key).toBe('src');
      expect(record.headers).toMatchObject({ tenant: 'default', ce_tenant: 'default', id: row.id, ce_id: row.id, ce_type: 'asset.classification.added',
        ce_subject: 'src', ce_sequence: String(row.sequence), 'content-type': 'application/avro' });
      expect(new Date(record.headers.ce_time!).getTime()).toBe(row.time.getTime());
      // a null column arrives as a header without a value, never as the text "null"
      expect(record.headers.traceparent ?? null).toBe(row.traceparent);
    });

    it('makes the propagator propagate: the downstream asset shows the tag, and the rule-made change is captured too', async () => {
      const tags = await waitFor('the propagated tag on dst', async () => {
        const res = await t.http().get(`/v1/assets/${enc('dst')}`).set(auth()).expect(200);
        const found = (res.body.classifications as { name: string; source: string; propagatedFrom?: string; depth?: number }[])
          .filter((c) => c.source === 'propagated');
        return found.length ? found : undefined;
      }, 60_000);
      expect(tags).toEqual([expect.objectContaining({ name: 'PII', propagatedFrom: 'src', depth: 1 })]);
      const [ruleMade] = await waitFor('the rule-made change on the change topic',
        async () => { const found = onTopic(pooledTopic, 'asset.classification.added', 'dst'); return found.length ? found : undefined; }, 60_000);
      expect(ruleMade.event.origin).toBe('rule:tag-propagation');
    });

    it('is published once: no relay runs beside Debezium', async () => {
      const outbox = await t.runtime.database.inTenant(asTenantId('default'), (tx) => tx.db.selectFrom('change_events').select('id').execute());
      await waitFor('every outbox row on the topic', async () =>
        outbox.every((e) => reader.records.some((r) => r.event.id === e.id)) ? true : undefined, 60_000);
      const ids = reader.records.filter((r) => r.topic === pooledTopic).map((r) => r.event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(await new RelayOffsetsRepository(t.runtime.database).relayed(asTenantId('default'))).toBe(0);
    });
  });

  describe('a schema tenant\'s write', () => {
    it('lands on the tenant\'s own change topic, not the pooled one', async () => {
      await t.http().put('/v1/assets').set(auth(schemaKey)).send({ assets: [{ qualifiedName: 'own/table', typeName: 'Table' }] }).expect(200);
      const [record] = await waitFor('the schema tenant\'s change on its topic', async () => {
        const found = reader.records.filter((r) => r.topic === schemaTopic && r.event.subject === 'own/table');
        return found.length ? found : undefined;
      }, 60_000);
      expect(record.event).toMatchObject({ tenant: schemaTenant, subject: 'own/table', sequence: 1 });
      expect(record.headers).toMatchObject({ tenant: schemaTenant, ce_tenant: schemaTenant, ce_subject: 'own/table' });
      expect(reader.records.filter((r) => r.topic === pooledTopic && r.event.tenant === schemaTenant)).toEqual([]);
    });

    it('of a tenant created after the connector started is captured from its first write, without a restart', async () => {
      const created = await t.http().post('/v1/tenants').set(auth()).send({ id: laterTenant, name: 'Later', placement: 'schema' }).expect(201);
      // provisioning put the tenant's outbox in the connector's publication: nothing to restart (the
      // catalog view is readable on any connection)
      const { rows } = await t.runtime.database.inTenant(asTenantId(laterTenant), (tx) => sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_publication_tables
        WHERE pubname = 'outbox_per_tenant_' || current_database() AND schemaname = ${`tenant_${laterTenant.replace(/-/g, '_')}`}`
        .execute(tx.db));
      // its change_events and its incident_facts
      expect(rows[0].n).toBe(2);
      await t.http().put('/v1/assets').set(auth(created.body.adminKey)).send({ assets: [{ qualifiedName: 'later/table', typeName: 'Table' }] }).expect(200);
      const [record] = await waitFor('the later tenant\'s change on its topic', async () => {
        const found = reader.records.filter((r) => r.topic === laterTopic && r.event.subject === 'later/table');
        return found.length ? found : undefined;
      }, 60_000);
      expect(record.event.tenant).toBe(laterTenant);
    });
  });

  describe('retention of the outbox', () => {
    it('deletes old outbox rows by age alone, and the connector ignores the deletes: nothing new on the topic, later writes still captured', async () => {
      const tenant = asTenantId('default');
      const rows = () => t.runtime.database.inTenant(tenant, (tx) => tx.db.selectFrom('change_events').select('id').execute());
      const outbox = await rows();
      await waitFor('every outbox row on the topic', async () =>
        outbox.every((e) => reader.records.some((r) => r.event.id === e.id)) ? true : undefined, 60_000);
      await t.runtime.database.inTenant(tenant, (tx) => sql`UPDATE change_events SET time = now() - interval '30 days'`.execute(tx.db));
      const report = await t.app.get(RetentionService).run();
      expect(report.pruned.change_events).toBe(outbox.length);
      expect(await rows()).toEqual([]);
      const before = reader.records.filter((r) => r.topic === pooledTopic).length;

      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'after-retention', typeName: 'Table' }] }).expect(200);
      await waitFor('the write after retention on the topic', async () => (onTopic(pooledTopic, 'asset.created', 'after-retention').length ? true : undefined), 60_000);
      // the row updates and deletes above produced no record (the router drops both); only the new write did
      expect(reader.records.filter((r) => r.topic === pooledTopic).length).toBe(before + 1);
    });
  });

  describe('a dedicated tenant\'s write', () => {
    it('is captured by a per-tenant connector on the tenant\'s own database, onto the tenant\'s own topic', async () => {
      dedicatedDb = await createTestDatabase();
      const created = await t.http().post('/v1/tenants').set(auth())
        .send({ id: dedicatedTenant, name: 'Own database', placement: 'dedicated', databaseUrl: dedicatedDb.url }).expect(201);
      await outboxConnector('register', 'per-tenant', dedicatedDb.url, prefix);
      await t.http().put('/v1/assets').set(auth(created.body.adminKey)).send({ assets: [{ qualifiedName: 'own-db/table', typeName: 'Table' }] }).expect(200);
      const [record] = await waitFor('the dedicated tenant\'s change on its topic', async () => {
        const found = reader.records.filter((r) => r.topic === dedicatedTopic && r.event.subject === 'own-db/table');
        return found.length ? found : undefined;
      }, 60_000);
      expect(record.event).toMatchObject({ tenant: dedicatedTenant, sequence: 1 });
      expect(record.headers).toMatchObject({ tenant: dedicatedTenant });
    });
  });
});
