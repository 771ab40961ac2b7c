import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { inboundHeaders } from '@tributary/connectors';
import { createTopics } from '@tributary/eventlog';
import { StepOutcome } from '../inbound/throughput-search';
import { WebhookPlanner } from '../inbound/webhook-plan';
import { Arrivals, arrivals, waitForDrain } from '../support/arrivals';
import { epochMs } from '../support/clock';
import { ClockedWorker } from '../support/clocked-worker';
import { SendOutcome, sendOutcome } from '../support/open-loop';
import { coresBetween, CoresUsed, ProcessUsage } from '../support/process-usage';
import { Distribution, distribution } from '../support/stats';
import { deleteTopics } from './distributed-platform';

/** Distinct records cycled through: enough that sizes vary as the webhooks' do. */
const POOL = 1000;
const SEQ_HEADER = 'bench-seq';

export interface ProducerOptions {
  brokers: string[];
  topic: string;
  /** Sends outstanding at most, as the webhook sender's requests. */
  maxInFlight: number;
}

export interface ProduceRun {
  ratePerSecond: number;
  records: { key: string; value: Uint8Array; headers: Record<string, string> }[];
}

export interface LoopResult extends StepOutcome, SendOutcome, Arrivals {
  seconds: number;
  /** Send → acknowledged by the broker (acks=all). */
  ack: Distribution;
  /** Average cores while sending: this process (producer thread and consumer) and the watched engines. */
  cpu: CoresUsed;
}

/**
 * The ceiling: a bare kafkajs produce/consume loop on the broker the platform uses, with records like
 * the api's (an Avro InboundDelivery around a Monte Carlo webhook, its CloudEvents headers and key),
 * produced as KafkaEventLog produces them (idempotent, acks=all, one send per record, from a worker
 * thread on an open-loop clock) and consumed by a group that commits after each batch as
 * KafkaEventLog's consumers do. Latency runs from a record's scheduled send to the consumer seeing it.
 */
export class KafkaLoop {
  private readonly seenAt = new Map<number, number>();
  private sequence = 0;

  private constructor(private readonly producer: ClockedWorker<ProduceRun>,
    private readonly pool: ProduceRun['records'], private readonly usage: ProcessUsage, private readonly cleanUp: () => Promise<void>) {}

  static async start(options: ProducerOptions & { partitions: number; usage: ProcessUsage }): Promise<KafkaLoop> {
    await createTopics(options.brokers, [options.topic], options.partitions, 3_600_000);
    const consumer = new Kafka({ clientId: 'tributary-bench-loop', brokers: options.brokers, logLevel: logLevel.NOTHING })
      .consumer({ groupId: `${options.topic}.consumer`, readUncommitted: false, allowAutoTopicCreation: false });
    const producer = ClockedWorker.start<ProduceRun>(join(__dirname, 'kafka-producer.worker.js'),
      { brokers: options.brokers, topic: options.topic, maxInFlight: options.maxInFlight } satisfies ProducerOptions);
    const loop = new KafkaLoop(producer, inboundRecords(), options.usage, async () => {
      await producer.close();
      await consumer.disconnect();
      await deleteTopics(options.brokers, [options.topic]);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const at = epochMs();
        for (const m of batch.messages) loop.seenAt.set(Number(m.headers?.[SEQ_HEADER]?.toString()), at);
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
      },
    });
    return loop;
  }

  /** `ratePerSecond` records a second for `seconds`, then up to DRAIN_LIMIT_MS for the consumer to see them all. */
  async runPhase(ratePerSecond: number, seconds: number): Promise<LoopResult> {
    const first = this.sequence;
    const records = Array.from({ length: Math.round(ratePerSecond * seconds) }, (_, i) => {
      const { key, value, headers } = this.pool[(first + i) % this.pool.length];
      return { key, value, headers: { ...headers, [SEQ_HEADER]: String(first + i) } };
    });
    this.sequence += records.length;
    const cpuBefore = this.usage.cpu();
    const times = await this.producer.run({ ratePerSecond, records });
    const cpu = coresBetween(cpuBefore, this.usage.cpu());
    const sending = sendOutcome(times, ratePerSecond, 1);
    const accepted = records.flatMap((_, i) => (times.status[i] === 1 ? [i] : []));
    const drainMs = await waitForDrain(async () => accepted.every((i) => this.seenAt.has(first + i)), sending.lastSent);
    const seen = arrivals(times, accepted, (i) => this.seenAt.get(first + i), sending.lastSent);
    return { ratePerSecond, seconds, ...sending, accepted: accepted.length, ...seen, drainMs, cpu,
      ack: distribution(accepted.map((i) => times.answeredAt[i] - times.sentAt[i])) };
  }

  async close(): Promise<void> {
    await this.cleanUp();
  }
}

/** Records as the api appends a Monte Carlo webhook to the inbound log (see HooksService), for distinct planned webhooks. */
function inboundRecords(): ProduceRun['records'] {
  const connectorId = randomUUID();
  return new WebhookPlanner('bench-loop', 1).plan(POOL, []).map((w) => {
    const delivery: InboundDelivery = {
      id: randomUUID(), tenant: 'default', connectorId, connectorType: 'montecarlo', via: 'webhook', receivedAt: new Date(),
      contentType: 'application/json', body: w.body, traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    };
    return { key: `${connectorId}/${w.incident.incidentId}`, value: inboundDeliveryCodec.encode(delivery),
      headers: { ...inboundHeaders(delivery), tenant: 'default' } };
  });
}
