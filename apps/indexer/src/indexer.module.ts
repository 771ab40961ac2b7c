import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AnalyticsStore } from '@tributary/analytics';
import { DeadLettersService } from '@tributary/catalog';
import { ChangeEventRecord, changeEventCodec } from '@tributary/contracts';
import type { EventLog, LogRecord } from '@tributary/eventlog';
import { ChangeIndexer, FactReader, INDEXER_BATCH_SIZE } from '@tributary/indexing';
import { Metrics } from '@tributary/observability';
import { ANALYTICS_STORE, ConsumerWatch, EVENT_LOG, IsolatedConsumer, RUNTIME, type Runtime } from '@tributary/platform';
import { CHANGES_STREAM } from '@tributary/propagation';

const GROUP = 'indexer';

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
  private consumer?: IsolatedConsumer;

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
    this.consumer = await IsolatedConsumer.start(this.log, this.runtime.database, this.consumers, this.runtime.config, this.logger,
      { group: GROUP, stream: CHANGES_STREAM, batchSize: INDEXER_BATCH_SIZE, what: 'changes', handle: (records) => this.handle(records) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
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
