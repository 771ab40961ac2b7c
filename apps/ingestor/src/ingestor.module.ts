import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeadLettersService, IgnoredDeliveriesService, IncidentsService } from '@tributary/catalog';
import { ConnectorsService } from '@tributary/connectors';
import type { EventLog, Subscription } from '@tributary/eventlog';
import { BACKFILL_QUEUE, BackfillJob, BackfillsService, InboundProcessor, INBOUND_STREAM } from '@tributary/ingest';
import { Metrics } from '@tributary/observability';
import { EVENT_LOG, RUNTIME, type Runtime } from '@tributary/platform';

/**
 * Consumes the inbound log (consumer group `ingestor`) and applies what it reads to the store; runs
 * the backfill jobs, which feed the same log.
 */
@Module({})
export class IngestorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ingestor');
  private subscription?: Subscription;
  private backfillWorker?: { stop(): Promise<void> };

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    private readonly connectors: ConnectorsService,
    private readonly incidents: IncidentsService,
    private readonly deadLetters: DeadLettersService,
    private readonly ignored: IgnoredDeliveriesService,
    private readonly metrics: Metrics,
    private readonly backfills: BackfillsService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const processor = new InboundProcessor(this.connectors, this.incidents, this.deadLetters, this.ignored, this.metrics);
    this.subscription = await this.log.subscribe('ingestor', INBOUND_STREAM, (batch) => processor.handle(batch), {
      batchSize: 500,
      onError: (err, batch) => this.logger.warn({ message: 'inbound batch failed; it will be retried', records: batch.length, error: String(err) }),
    });
    const { jobAttempts, jobBackoffMs } = this.runtime.config;
    this.backfillWorker = await this.runtime.jobQueue.work<BackfillJob>(BACKFILL_QUEUE, (job) => this.backfills.run(job),
      { concurrency: 2, attempts: jobAttempts, backoffMs: jobBackoffMs });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.backfillWorker?.stop();
    await this.subscription?.stop();
  }
}
