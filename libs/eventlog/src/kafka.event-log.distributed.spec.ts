import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics, KafkaEventLog, STREAMS, topicOf } from './kafka.event-log';
import { describeEventLogContract } from './event-log.contract';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describeEventLogContract('Apache Kafka (kafkajs)', async () => {
  // A topic prefix of its own: the run sees only its own records.
  const prefix = `tributary-test-${randomBytes(4).toString('hex')}`;
  await createTopics(brokers, STREAMS.map((s) => topicOf(s, 'acme' as never, 'pooled', prefix)), 3, 3_600_000);
  const log = new KafkaEventLog({ brokers, clientId: 'contract', topicPrefix: prefix, placementOf: async () => 'pooled' });
  const kafka = new Kafka({ clientId: 'contract-late', brokers, logLevel: logLevel.NOTHING });
  return {
    log,
    // A transaction left open: read-committed consumers stop at it, so nothing after it is skipped.
    appendLate: async (stream, r) => {
      const producer = kafka.producer({ transactionalId: `late-${randomBytes(4).toString('hex')}`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const tx = await producer.transaction();
      await tx.send({ topic: topicOf(stream, r.tenantId, 'pooled', prefix), messages: [{ key: r.key, value: r.value, headers: { ...r.headers, tenant: r.tenantId } }] });
      return { release: async () => { await tx.commit(); await producer.disconnect(); } };
    },
    dispose: async () => {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: STREAMS.map((s) => topicOf(s, 'acme' as never, 'pooled', prefix)) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
});

describe('KafkaEventLog with topics created after it subscribed', () => {
  const prefix = `tributary-test-${randomBytes(4).toString('hex')}`;
  const pooled = topicOf('inbound', 'acme' as never, 'pooled', prefix);
  const own = topicOf('inbound', 'newco' as never, 'schema', prefix);
  const log = new KafkaEventLog({ brokers, clientId: 'late-topics', topicPrefix: prefix, topicRefreshMs: 500,
    placementOf: async (tenantId) => (tenantId === 'newco' ? 'schema' : 'pooled') });
  afterAll(async () => {
    await log.close();
    const admin = new Kafka({ clientId: 'late-topics-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [pooled, own] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('consumes a tenant\'s own topic made after the subscription started, without a restart, and the pooled topic throughout', async () => {
    await createTopics(brokers, [pooled], 2, 3_600_000);
    const seen: string[] = [];
    const sub = await log.subscribe('late', 'inbound', async (batch) => { seen.push(...batch.map((r) => `${r.tenantId}:${r.value.toString()}`)); },
      { batchSize: 100, onError: () => undefined });
    await log.append('inbound', [{ tenantId: 'acme' as never, key: 'k', value: Buffer.from('before'), headers: {} }]);
    // the tenant is placed in its own schema, and its topics are created (npm run topics:create)
    await createTopics(brokers, [own], 2, 3_600_000);
    await log.append('inbound', [{ tenantId: 'newco' as never, key: 'k', value: Buffer.from('own topic') , headers: {} }]);
    await log.append('inbound', [{ tenantId: 'acme' as never, key: 'k', value: Buffer.from('after') , headers: {} }]);
    const deadline = Date.now() + 60_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    await sub.stop();
    expect(seen.sort()).toEqual(['acme:after', 'acme:before', 'newco:own topic']);
  });
});
