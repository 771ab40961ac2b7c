import { randomUUID } from 'node:crypto';
import { Consumer, EachBatchPayload, Kafka, KafkaConfig, logLevel } from 'kafkajs';
import type { DeadLettersService } from '@tributary/catalog';
import {
  AtlasConfig, AtlasEnvelope, decodeRecord, DecodedRecord, DEFAULT_SPLIT_LIMITS, ExpiredGroup, inboundHeaders, SplitAssembler, SplitAssemblerLimits,
} from '@tributary/connectors';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import type { EventLog, NewRecord } from '@tributary/eventlog';
import type { Metrics } from '@tributary/observability';
import type { TenantId } from '@tributary/store';

/** The dead letters' stream of what the reader of an Atlas topic parks (not replayable: Atlas's own records, unreadable as they are). */
export const ATLAS_TOPIC_STREAM = 'atlas-entities';

export type AtlasKafkaConfig = NonNullable<AtlasConfig['kafka']>;

/** One `atlas` connector whose Atlas notification topic is read. */
export interface AtlasTopicConnector {
  id: string;
  tenantId: TenantId;
  /** the connector's stored version: a changed one is read by a new consumer */
  version: number;
  kafka: AtlasKafkaConfig;
}

export interface AtlasTopicReaderDeps {
  log: EventLog;
  deadLetters: DeadLettersService;
  metrics: Metrics;
  /** a problem worth an operator's look (never given a credential) */
  warn: (message: string, fields: Record<string, unknown>) => void;
  limits?: SplitAssemblerLimits;
}

/** Where a part came from: what keeps its offset from being committed, and what a dead letter keeps of it. */
interface PartOrigin {
  partition: number;
  offset: string;
  value: string;
}

interface Parking {
  reason: string;
  payload: Record<string, unknown>;
  /** parking again (a batch read again after a restart) returns the first letter */
  identity: string;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 60_000;

/**
 * Reads one connector's Atlas notification topic (ATLAS_ENTITIES on the customer's brokers) as
 * consumer group `tributary-<connectorId>` and turns each complete notification into a delivery on
 * Tributary's inbound log, as a webhook's delivery is logged (HooksService): the source connector
 * normalizes and applies it from there.
 *
 * Nothing is lost across a restart: a partition's offset is committed only once what was read from
 * it is durably appended or parked, and only up to the lowest offset still held by an incomplete
 * split message (whose parts, with a null record key, may be on other partitions), so a new
 * consumer reads those parts again. The price is that records after a held part are read and
 * logged again after a restart: deliveries are at least once, and their apply is idempotent.
 *
 * Any failure (the brokers unreachable, the inbound log or the store refusing a batch) drops this
 * consumer and what it holds, and starts a new one from the committed offsets after a pause that
 * doubles up to a minute.
 *
 * Parts are assembled per consumer: when several ingestor processes share a connector's group, a
 * split message whose parts land on partitions assigned to different processes cannot be joined by
 * either, and is parked (with its parts) after the split timeout.
 */
export class AtlasTopicReader {
  private readonly kafka: Kafka;
  private readonly timeoutMs: number;
  private consumer?: Consumer;
  private assembler: SplitAssembler<PartOrigin>;
  /** per partition: the offset after the last record handled, and the offset last committed */
  private readonly next = new Map<number, bigint>();
  private readonly committed = new Map<number, bigint>();
  private running = false;
  private failures = 0;
  private retry?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  // batches, expiry passes and stop run one after another
  private work: Promise<unknown> = Promise.resolve();

  constructor(readonly connector: AtlasTopicConnector, private readonly deps: AtlasTopicReaderDeps) {
    this.kafka = new Kafka(kafkaConfigOf(connector));
    this.timeoutMs = connector.kafka.splitTimeoutSeconds * 1000;
    this.assembler = new SplitAssembler(deps.limits ?? DEFAULT_SPLIT_LIMITS);
  }

  start(): void {
    this.running = true;
    void this.connect();
    // a message whose last part never comes is parked even while the topic is quiet
    this.expiryTimer = setInterval(() => void this.serially(() => this.expire()), Math.max(100, Math.min(this.timeoutMs / 4, 5_000)));
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    clearInterval(this.expiryTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await this.serially(async () => undefined);
    await consumer?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.forgetHeld();
    const { id } = this.connector;
    const consumer = this.kafka.consumer({ groupId: `tributary-${id}`, allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 } });
    this.consumer = consumer;
    // after every join kafkajs reads each assigned partition from its committed offset again: what was held is read again too
    consumer.on(consumer.events.GROUP_JOIN, () => void this.serially(async () => {
      if (consumer === this.consumer) this.forgetHeld();
    }));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs starts the consumer again itself after a retriable crash; after another, this reader does
      if (payload.restart) this.connectionError(payload.error);
      else this.fail(consumer, payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.connector.kafka.topic], fromBeginning: this.connector.kafka.startFrom === 'earliest' });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.serially(() => this.onBatch(consumer, payload)) });
    } catch (err) {
      this.fail(consumer, err);
    }
  }

  private forgetHeld(): void {
    this.assembler = new SplitAssembler(this.deps.limits ?? DEFAULT_SPLIT_LIMITS);
    this.next.clear();
    this.committed.clear();
  }

  private async onBatch(consumer: Consumer, { batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    if (consumer !== this.consumer || !isRunning() || isStale() || batch.messages.length === 0) return;
    try {
      const now = Date.now();
      const deliveries: NewRecord[] = [];
      const parkings: Parking[] = [];
      for (const m of batch.messages) {
        const origin: PartOrigin = { partition: batch.partition, offset: m.offset, value: m.value?.toString('utf8') ?? '' };
        this.take(decodeRecord(origin.value), origin, now, deliveries, parkings);
      }
      parkings.push(...this.assembler.expired(now, this.timeoutMs).map((g) => this.expiredParking(g)));
      this.next.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
      await this.settle(consumer, deliveries, parkings);
      // the fetch position moves on (else kafkajs fetches the batch again); the commit is what settle allowed
      resolveOffset(batch.lastOffset());
      this.failures = 0;
      await heartbeat();
    } catch (err) {
      this.fail(consumer, err);
    }
  }

  /** One record: a delivery, a part held (or completing its message), or a parking. */
  private take(decoded: DecodedRecord, origin: PartOrigin, now: number, deliveries: NewRecord[], parkings: Parking[]): void {
    if (decoded.kind === 'whole') {
      deliveries.push(this.delivery(decoded.envelope, decoded.text ?? origin.value));
    } else if (decoded.kind === 'unreadable') {
      parkings.push(this.recordParking(decoded.reason, origin));
    } else {
      const added = this.assembler.add(decoded.part, origin, now);
      if (added.kind === 'refused') parkings.push(this.recordParking(added.reason, origin));
      if (added.kind !== 'complete') return;
      if (added.decoded.kind === 'whole') deliveries.push(this.delivery(added.decoded.envelope, added.decoded.text!));
      else if (added.decoded.kind === 'unreadable') parkings.push(this.groupParking(`split message ${added.msgId}: ${added.decoded.reason}`, added.msgId, added.origins));
    }
  }

  /** Appends (one append for the batch), parks, and only then commits: a failure before the commit reads it all again. */
  private async settle(consumer: Consumer, deliveries: NewRecord[], parkings: Parking[]): Promise<void> {
    const { id, tenantId } = this.connector;
    if (deliveries.length > 0) await this.deps.log.append('inbound', deliveries);
    for (const p of parkings) await this.deps.deadLetters.park(tenantId, ATLAS_TOPIC_STREAM, p.reason, p.payload, p.identity);
    const counted = { tenant: tenantId, connector: id };
    if (deliveries.length > 0) this.deps.metrics.atlasNotifications.inc({ ...counted, outcome: 'logged' }, deliveries.length);
    if (parkings.length > 0) {
      this.deps.metrics.atlasNotifications.inc({ ...counted, outcome: 'parked' }, parkings.length);
      this.deps.metrics.deadLettered.inc({ tenant: tenantId, stream: ATLAS_TOPIC_STREAM }, parkings.length);
    }
    await this.commit(consumer);
  }

  /** Per partition: up to what was handled, but never past a part still held. */
  private async commit(consumer: Consumer): Promise<void> {
    const held = new Map<number, bigint>();
    for (const o of this.assembler.heldOrigins()) {
      const offset = BigInt(o.offset);
      if (!held.has(o.partition) || offset < held.get(o.partition)!) held.set(o.partition, offset);
    }
    const commits: { topic: string; partition: number; offset: string }[] = [];
    for (const [partition, next] of this.next) {
      const upTo = held.has(partition) && held.get(partition)! < next ? held.get(partition)! : next;
      if (upTo <= (this.committed.get(partition) ?? -1n)) continue;
      commits.push({ topic: this.connector.kafka.topic, partition, offset: upTo.toString() });
    }
    if (commits.length === 0) return;
    await consumer.commitOffsets(commits);
    for (const c of commits) this.committed.set(c.partition, BigInt(c.offset));
  }

  /** A quiet topic's pass: the messages that ran out of time are parked, and the offsets their parts held back move on. */
  private async expire(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const expired = this.assembler.expired(Date.now(), this.timeoutMs);
    if (expired.length === 0) return;
    try {
      await this.settle(consumer, [], expired.map((g) => this.expiredParking(g)));
    } catch (err) {
      this.fail(consumer, err);
    }
  }

  private delivery(envelope: AtlasEnvelope, body: string): NewRecord {
    const { id, tenantId } = this.connector;
    const delivery: InboundDelivery = {
      id: randomUUID(), tenant: tenantId, connectorId: id, connectorType: 'atlas', via: 'webhook', receivedAt: new Date(),
      contentType: 'application/json', body, traceparent: null,
    };
    return { tenantId, key: `${id}/${orderingKeyOf(envelope)}`, value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery) };
  }

  private recordParking(reason: string, origin: PartOrigin): Parking {
    const { id, kafka } = this.connector;
    return { reason, payload: { connectorId: id, topic: kafka.topic, ...origin }, identity: `${id}/${kafka.topic}/${origin.partition}/${origin.offset}` };
  }

  private expiredParking(group: ExpiredGroup<PartOrigin>): Parking {
    const reason = `split message ${group.msgId}: ${group.received.length} of ${group.count} parts arrived within ${this.connector.kafka.splitTimeoutSeconds}s `
      + `(received indices ${group.received.join(', ')})`;
    return this.groupParking(reason, group.msgId, group.origins, { count: group.count, received: group.received });
  }

  private groupParking(reason: string, msgId: string, origins: PartOrigin[], extra: Record<string, unknown> = {}): Parking {
    const { id, kafka } = this.connector;
    const first = origins[0]!;
    return { reason, payload: { connectorId: id, topic: kafka.topic, msgId, ...extra, parts: origins },
      identity: `${id}/${kafka.topic}/${first.partition}/${first.offset}/${msgId}` };
  }

  private fail(consumer: Consumer, err: unknown): void {
    if (consumer !== this.consumer) return;
    this.consumer = undefined;
    this.connectionError(err);
    void consumer.disconnect().catch(() => undefined);
    if (!this.running) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.failures++));
  }

  private connectionError(err: unknown): void {
    const { id, tenantId, kafka } = this.connector;
    this.deps.metrics.atlasTopicErrors.inc({ tenant: tenantId, connector: id });
    this.deps.warn('reading the Atlas notification topic failed; retrying from the committed offsets',
      { connectorId: id, tenant: tenantId, topic: kafka.topic, error: err instanceof Error ? err.message : String(err) });
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.work.then(step, step);
    this.work = run.catch(() => undefined);
    return run;
  }
}

/** Records about one entity keep their order on the inbound log; a relationship's, about it. */
function orderingKeyOf(envelope: AtlasEnvelope): string {
  const { entity, relationship } = envelope.message;
  if (typeof entity?.guid === 'string') return `entity:${entity.guid}`;
  if (typeof relationship?.guid === 'string') return `relationship:${relationship.guid}`;
  return 'entity:';
}

function kafkaConfigOf({ id, kafka }: AtlasTopicConnector): KafkaConfig {
  const sasl = kafka.sasl ? { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password } : undefined;
  return {
    clientId: `tributary-atlas-${id}`, brokers: kafka.brokers, ssl: kafka.ssl, logLevel: logLevel.NOTHING,
    ...(sasl ? { sasl: sasl as KafkaConfig['sasl'] } : {}),
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
  };
}
