import { Admin, CompressionTypes, Consumer, Kafka, logLevel, Message, Producer } from 'kafkajs';
import { Placement, TenantId } from '@tributary/store';
import { EventLog, LogRecord, NewRecord, Stream, SubscribeOptions, Subscription } from './event-log';
import { GroupedCalls } from './grouped-calls';
import { retryPause } from './retry-pause';
import { SingleObjectWireFormat, WireFormat } from './wire-format';

export const STREAMS: Stream[] = ['inbound', 'changes', 'incidents', 'dead-letters', 'incident-facts'];

/**
 * Topic names: pooled tenants share one topic per stream, keyed by tenant (+ asset or incident), so
 * one asset's events stay in order on one partition; schema and dedicated tenants get their own.
 */
export function topicOf(stream: Stream, tenantId: TenantId, placement: Placement, prefix = 'tributary'): string {
  return placement === 'pooled' ? `${prefix}.pooled.${stream}.v1` : `${prefix}.${tenantId}.${stream}.v1`;
}

/** Every topic of a stream under a prefix (pooled and per tenant). */
const topicsOf = (stream: Stream, prefix: string): RegExp => new RegExp(`^${escape(prefix)}\\.[a-z0-9-]+\\.${escape(stream)}\\.v1$`);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/**
 * What one produce request carries at most, in whole appends (a larger append goes alone): well
 * under the broker's default message.max.bytes (1 MiB), which bounds a partition's batch.
 */
const SEND_RECORDS = 1000;
const SEND_BYTES = 512 * 1024;
/**
 * How long a produce request waits for more appends before it goes: the Java client's `linger.ms`,
 * and its default since Kafka 4.0. A produce request is a socket write and a broker request on
 * each side; at 2,000 webhooks a second, requests of a few appends each cost the api and the
 * broker more than the few milliseconds cost a webhook's answer.
 */
const SEND_LINGER_MS = 5;

/** How often a subscription looks for topics created since it subscribed (see `subscribe`). */
export const TOPIC_REFRESH_MS = 30_000;

/** How many partition batches a consumer handles at once (together, see `subscribe`): more than a stream has partitions. */
const PARTITIONS_AT_ONCE = 64;

/** A partition's records consumed, and the offset to commit once they are handled. */
interface ConsumedSlice {
  records: LogRecord[];
  topic: string;
  partition: number;
  next: string;
}

interface Outgoing {
  topic: string;
  message: Message;
}

const sizeOf = (append: Outgoing[]) => append.reduce((n, m) => n + ((m.message.value as Buffer | null)?.length ?? 0), 0);

export interface KafkaEventLogOptions {
  brokers: string[];
  clientId: string;
  /** where a tenant's data lives, which picks its topics */
  placementOf: (tenantId: TenantId) => Promise<Placement>;
  /** first part of every topic name, so several deployments can share a cluster (default `tributary`) */
  topicPrefix?: string;
  /** how often a subscription looks for new topics of its stream (default TOPIC_REFRESH_MS) */
  topicRefreshMs?: number;
  /** how bodies are framed on the topics (default: single-object, as the application holds them) */
  wireFormat?: WireFormat;
}

/**
 * The event log on Apache Kafka (kafkajs). Producing is idempotent with acks=all; a consumer commits
 * a batch's offsets only after the handler resolved (at least once; handlers are idempotent), and a
 * throwing handler makes kafkajs re-deliver the batch. Consumers read committed records only, so a
 * record produced in a transaction that commits late is never skipped. Topics are never created
 * implicitly: `npm run topics:create` does it (partitions, retention). With a schema registry, bodies
 * are Confluent-framed on the topics and turned back into single-object bodies on the way in.
 */
export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private producer?: Promise<Producer>;
  private readonly subscriptions = new Set<Subscription>();
  private readonly wire: WireFormat;

  private get prefix(): string {
    return this.options.topicPrefix ?? 'tributary';
  }

  /**
   * Consumer groups carry the topic prefix too: a group rebalances as a whole, so deployments (or
   * test runs) sharing a cluster and a group name would wait on each other's members, e.g. for the
   * session timeout of one that was killed.
   */
  private groupId(group: string): string {
    return `${this.prefix}.${group}`;
  }

  constructor(private readonly options: KafkaEventLogOptions) {
    this.kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.NOTHING });
    this.admin = this.kafka.admin();
    this.wire = options.wireFormat ?? new SingleObjectWireFormat();
  }

  async append(stream: Stream, records: NewRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages: Outgoing[] = [];
    for (const r of records) {
      messages.push({ topic: topicOf(stream, r.tenantId, await this.options.placementOf(r.tenantId), this.prefix),
        message: { key: r.key, value: await this.wire.toWire(r.value), headers: { ...r.headers, tenant: r.tenantId } } });
    }
    return this.sends.call(messages);
  }

  /**
   * Group send: the idempotent producer keeps one produce request in flight (that is what keeps a
   * partition's order across retries), so appends that arrive while one is in flight, or within
   * SEND_LINGER_MS, wait and then go in one request, whole appends at a time up to SEND_RECORDS and
   * SEND_BYTES. With a request per append, each webhook waited for a broker round trip per append
   * queued before it. A caller still resolves only once the broker acknowledged its records (acks=all).
   */
  private readonly sends = new GroupedCalls<Outgoing[]>(async (appends) => {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of appends.flat()) {
      if (!byTopic.has(topic)) byTopic.set(topic, []);
      byTopic.get(topic)!.push(message);
    }
    const producer = await this.connectedProducer();
    await producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }, (group, next) => group.reduce((n, a) => n + a.length, next.length) <= SEND_RECORDS && group.reduce((n, a) => n + sizeOf(a), sizeOf(next)) <= SEND_BYTES,
  SEND_LINGER_MS);

  /**
   * kafkajs subscribes a pattern to the topics that exist when it subscribes, so a tenant given topics
   * of its own later (`npm run topics:create` after it was created with placement schema or
   * dedicated) would be consumed only after a restart. Every `topicRefreshMs` the subscription looks
   * for new topics of its stream and, when there are, starts its consumer again (one rebalance of the
   * group; offsets are committed only after handling, so nothing is lost or skipped).
   *
   * The consumer is started in the background and kept running: a start that fails (the broker
   * unreachable) and a consumer that kafkajs gives up on (it restarts after retriable crashes itself,
   * not after others, such as no broker being available) are reported to onError and started again
   * after a pause that doubles up to RETRY_MAX_PAUSE_MS.
   */
  async subscribe(group: string, stream: Stream, handler: (batch: LogRecord[]) => Promise<void>, options: SubscribeOptions): Promise<Subscription> {
    const pattern = topicsOf(stream, this.prefix);
    let running = true;
    let consumer: Consumer | undefined;
    let known: string[] = [];
    let failures = 0;
    let retry: NodeJS.Timeout | undefined;
    // starts, topic checks, restarts and stop() run one after another
    let work = Promise.resolve();
    const serially = (step: () => Promise<void>) => {
      work = work.then(step).catch((err) => options.onError(err, []));
      return work;
    };
    const startLater = () => {
      clearTimeout(retry);
      retry = setTimeout(() => void serially(start), retryPause(++failures));
    };
    const start = async () => {
      if (!running || consumer) return;
      try {
        // listed before subscribing: a topic created in between is taken for new at the next check (one restart too many, never one too few)
        const topics = await this.topicsMatching(pattern);
        consumer = await this.consume(group, stream, handler, options, (crashed, err) => void serially(async () => {
          if (consumer !== crashed) return;
          options.onError(err, []);
          consumer = undefined;
          await crashed.disconnect().catch(() => undefined);
          startLater();
        }));
        known = topics;
        failures = 0;
      } catch (err) {
        options.onError(err, []);
        startLater();
      }
    };
    void serially(start);
    const timer = setInterval(() => void serially(async () => {
      if (!consumer) return; // not started yet: the start lists the topics itself
      const now = await this.topicsMatching(pattern);
      if (now.every((t) => known.includes(t))) return;
      await consumer.disconnect();
      consumer = undefined;
      await start();
    }), this.options.topicRefreshMs ?? TOPIC_REFRESH_MS);
    const subscription: Subscription = {
      stop: async () => {
        this.subscriptions.delete(subscription);
        running = false;
        clearInterval(timer);
        clearTimeout(retry);
        await serially(async () => {
          await consumer?.disconnect();
          consumer = undefined;
        });
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async topicsMatching(pattern: RegExp): Promise<string[]> {
    await this.admin.connect();
    return (await this.admin.listTopics()).filter((t) => pattern.test(t));
  }

  /** A consumer of the stream's topics (as they are now) in the group, running the handler; `onGivenUp` when kafkajs will not restart it. */
  private async consume(group: string, stream: Stream, handler: (batch: LogRecord[]) => Promise<void>, options: SubscribeOptions,
    onGivenUp: (consumer: Consumer, err: unknown) => void): Promise<Consumer> {
    const consumer = this.kafka.consumer({ groupId: this.groupId(group), readUncommitted: false, allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 } });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) onGivenUp(consumer, payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topicsOf(stream, this.prefix)], fromBeginning: true });
      await this.run(consumer, stream, handler, options);
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return consumer;
  }

  /** Runs the handler on what the consumer reads. */
  private async run(consumer: Consumer, stream: Stream, handler: (batch: LogRecord[]) => Promise<void>, options: SubscribeOptions): Promise<void> {
    // Partition batches handled at the same time go to the handler together (one store transaction,
    // one offset commit for all of them); one partition's batches still go one after another.
    const handled = new GroupedCalls<ConsumedSlice>(async (slices) => {
      await handler(slices.flatMap((s) => s.records));
      await consumer.commitOffsets(slices.map(({ topic, partition, next }) => ({ topic, partition, offset: next })));
    }, (group, next) => group.reduce((n, s) => n + s.records.length, next.records.length) <= options.batchSize);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (let i = 0; i < batch.messages.length; i += options.batchSize) {
          const slice = batch.messages.slice(i, i + options.batchSize);
          const consumed: LogRecord[] = slice.map((m) => ({
            stream, tenantId: String(m.headers?.tenant ?? '') as TenantId, key: m.key?.toString() ?? '', value: m.value ?? Buffer.alloc(0),
            // a header Debezium wrote from a null column has no value: leave it out rather than say "null"
            headers: Object.fromEntries(Object.entries(m.headers ?? {})
              .filter(([k, v]) => k !== 'tenant' && v !== undefined && v !== null).map(([k, v]) => [k, String(v)])),
            offset: `${batch.topic}/${batch.partition}/${m.offset}`, appendedAt: new Date(Number(m.timestamp)),
          }));
          const last = slice[slice.length - 1].offset;
          try {
            // a registry that cannot be reached fails the batch here: it is retried, not parked
            const records = await Promise.all(consumed.map(async (r) => ({ ...r, value: await this.wire.fromWire(r.value) })));
            await handled.call({ records, topic: batch.topic, partition: batch.partition, next: (BigInt(last) + 1n).toString() });
          } catch (err) {
            options.onError(err, consumed);
            throw err; // kafkajs re-delivers from the last committed offset
          }
          resolveOffset(last);
          await heartbeat();
        }
      },
    });
  }

  async lag(group: string, stream: Stream): Promise<number> {
    await this.admin.connect();
    const topics = (await this.admin.listTopics()).filter((t) => topicsOf(stream, this.prefix).test(t));
    let lag = 0;
    for (const topic of topics) {
      const high = await this.admin.fetchTopicOffsets(topic);
      const committed = (await this.admin.fetchOffsets({ groupId: this.groupId(group), topics: [topic] }))[0]?.partitions ?? [];
      for (const p of high) {
        const c = committed.find((x) => x.partition === p.partition);
        const done = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        lag += Math.max(0, Number(p.high) - done);
      }
    }
    return lag;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.producer?.then((p) => p.disconnect(), () => undefined);
    await this.admin.disconnect();
  }

  /** The producer, connected once and shared; a connect that failed is forgotten, so the next append connects again. */
  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const connecting = (async () => {
        const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        try {
          await producer.connect();
        } catch (err) {
          await producer.disconnect().catch(() => undefined);
          throw err;
        }
        return producer;
      })();
      connecting.catch(() => { if (this.producer === connecting) this.producer = undefined; });
      this.producer = connecting;
    }
    return this.producer;
  }
}

/** How many brokers hold each partition, and how many must have an append before acks=all succeeds. */
export interface TopicReplication {
  factor: number;
  minInsync: number;
}

/**
 * Creates the topics that do not exist yet, with partitions, retention and replication (returns
 * their names). A replication factor the cluster cannot hold is refused up front, naming both
 * numbers, instead of the broker's bare INVALID_REPLICATION_FACTOR.
 */
export async function createTopics(brokers: string[], names: string[], partitions: number, retentionMs: number,
  replication: TopicReplication = { factor: 1, minInsync: 1 }): Promise<string[]> {
  const admin = new Kafka({ clientId: 'tributary-topics', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length > 0) {
      const available = (await admin.describeCluster()).brokers.length;
      if (replication.factor > available) {
        throw new Error(`replication factor ${replication.factor} needs at least ${replication.factor} brokers, and the cluster has ${available}: `
          + 'set KAFKA_REPLICATION_FACTOR (and KAFKA_MIN_INSYNC_REPLICAS) to what it can hold');
      }
      // kafkajs's own waitForLeaders gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a KRaft
      // broker answers for a moment after the controller created the topic (seen in CI): we wait ourselves.
      await admin.createTopics({ waitForLeaders: false, topics: missing.map((topic) => ({
        topic, numPartitions: partitions, replicationFactor: replication.factor,
        configEntries: [{ name: 'retention.ms', value: String(retentionMs) }, { name: 'min.insync.replicas', value: String(replication.minInsync) }],
      })) });
      await waitForLeaders(admin, missing, partitions);
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/** The errors a broker answers while a just-created topic's metadata and leaders are still on their way. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Waits until every partition of the topics has a leader, or fails after `timeoutMs` naming the ones that have none. */
export async function waitForLeaders(admin: Admin, topics: string[], partitions: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waitingFor = 'metadata';
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      const leaderless = found.filter((t) => t.partitions.length < partitions || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (leaderless.length === 0 && found.length === topics.length) return;
      waitingFor = `leaders of ${leaderless.join(', ')}`;
    } catch (err) {
      if (!NOT_YET.has((err as { type?: string }).type ?? '')) throw err;
      waitingFor = `metadata (${(err as Error).message})`;
    }
    if (Date.now() > deadline) throw new Error(`topics created but not ready after ${timeoutMs} ms: still waiting for ${waitingFor}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
