import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AnalyticsStore } from '@tributary/analytics';
import { DeadLettersService } from '@tributary/catalog';
import { ChangeEventRecord, changeEventCodec } from '@tributary/contracts';
import { type EventLog, type LogRecord, type Subscription, TenantIsolation } from '@tributary/eventlog';
import { ChangeIndexer, FactReader } from '@tributary/indexing';
import { Metrics } from '@tributary/observability';
import { ANALYTICS_STORE, ConsumerWatch, EVENT_LOG, RUNTIME, type Runtime, tenantBackoff, type WatchedConsumer } from '@tributary/platform';
import { CHANGES_STREAM } from '@tributary/propagation';
import { HeldRecordsRepository } from '@tributary/store';

const GROUP = 'indexer';
const BATCH_SIZE = 1000;

/**
 * The indexer: consumes the change log (consumer group `indexer`) and keeps the analytics store in
 * step with PostgreSQL, a batch at a time, per tenant: which facts the changes touched, their current
 * state, one write. Nothing in a request path writes the analytics store; this does. A tenant whose
 * store fails (its PostgreSQL or its ClickHouse database unreachable) is held back on its own backoff
 * while the others go on (TenantIsolation); the consumer is watched for stalls and lag
 * (ConsumerWatch). An undecodable record, or a change whose data does not name what it is about, is
 * parked in the dead letters.
 */
@Module({})
export class IndexerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('indexer');
  private readonly indexer: ChangeIndexer;
  private subscription?: Subscription;
  private isolation?: TenantIsolation;
  private watched?: WatchedConsumer;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(ANALYTICS_STORE) analytics: AnalyticsStore,
    private readonly deadLetters: DeadLettersService,
    private readonly metrics: Metrics,
    private readonly consumers: ConsumerWatch,
  ) {
    this.indexer = new ChangeIndexer(new FactReader(runtime.database), analytics);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.runtime;
    const isolation = new TenantIsolation(new HeldRecordsRepository(this.runtime.database), (records) => this.handle(records), {
      group: GROUP, stream: CHANGES_STREAM, batchSize: BATCH_SIZE, backoff: tenantBackoff(config),
      onTenantFailed: (tenant, err, records) => this.logger.warn({ message: 'indexing a tenant\'s changes failed; they are held back and retried on its backoff',
        tenant, records, error: String(err) }),
      onError: (err) => this.logger.warn({ message: 'retrying held changes failed; trying again', error: String(err) }),
    });
    this.isolation = isolation;
    const consumer = this.consumers.watch(GROUP, CHANGES_STREAM, { lag: () => this.log.lag(GROUP, CHANGES_STREAM), heldTenants: () => isolation.heldTenants() });
    this.watched = consumer;
    this.subscription = await this.log.subscribe(GROUP, CHANGES_STREAM, async (batch) => {
      await isolation.handle(batch);
      consumer.progress();
    }, {
      batchSize: BATCH_SIZE,
      onError: (err, batch) => this.logger.warn(batch.length > 0
        ? { message: 'change batch failed; it will be retried', records: batch.length, error: String(err) }
        : { message: 'the change consumer failed; it starts again', error: String(err) }),
    });
    isolation.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    await this.isolation?.stop();
    this.watched?.stop();
  }

  /** One tenant's records (TenantIsolation hands them over a tenant at a time). */
  private async handle(records: LogRecord[]): Promise<void> {
    const started = performance.now();
    const events: ChangeEventRecord[] = [];
    const recordOf = new Map<ChangeEventRecord, LogRecord>();
    for (const record of records) {
      try {
        const event = changeEventCodec.decode(record.value);
        events.push(event);
        recordOf.set(event, record);
      } catch (err) {
        await this.deadLetters.parkRecord(record.tenantId, CHANGES_STREAM, `undecodable change record: ${(err as Error).message}`, record);
      }
    }
    if (events.length === 0) return;
    const tenantId = records[0].tenantId;
    const rejected = await this.indexer.index(tenantId, events);
    // parked by their record: a batch retried after a failure parks each once
    for (const { event, reason } of rejected) await this.deadLetters.parkRecord(tenantId, CHANGES_STREAM, `change not indexed: ${reason}`, recordOf.get(event)!);
    const visibleAt = Date.now();
    const skipped = new Set(rejected.map((r) => r.event));
    for (const event of events) if (!skipped.has(event)) this.metrics.analyticsFreshness.observe(Math.max(0, visibleAt - event.time.getTime()) / 1000);
    this.metrics.indexerChanges.inc({ tenant: tenantId }, events.length - skipped.size);
    this.metrics.indexerBatch.observe((performance.now() - started) / 1000);
  }
}
