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
