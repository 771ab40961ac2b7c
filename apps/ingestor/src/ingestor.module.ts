import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  AssetsService, ClassificationsService, DeadLettersService, DirectoryService, IgnoredDeliveriesService, IncidentsService, PipelineLatencyRecorder,
} from '@tributary/catalog';
import { AtlasApis, ConnectorsService } from '@tributary/connectors';
import type { EventLog } from '@tributary/eventlog';
import {
  AtlasEntityApplier, BACKFILL_QUEUE, BackfillJob, BackfillsService, DirectoryFactApplier, InboundProcessor, INBOUND_STREAM, OpenLineageEventApplier, RECONCILE_QUEUE,
  ReconciliationService,
} from '@tributary/ingest';
import { Metrics } from '@tributary/observability';
import { ConsumerWatch, EVENT_LOG, IsolatedConsumer, RUNTIME, type Runtime, tenantBackoff, TenantJobs } from '@tributary/platform';
import { schedulePeriodic } from '@tributary/queue';
import { Database } from '@tributary/store';

const GROUP = 'ingestor';
const BATCH_SIZE = 500;

/**
 * Consumes the inbound log (consumer group `ingestor`) and applies what it reads to the store; runs
 * the backfill jobs and the periodic reconciliation, which feed the same log. A tenant whose records
 * fail (its database unreachable) is held back and retried on its own backoff while the others go on
 * (TenantIsolation), and the consumer is watched for stalls (ConsumerWatch).
 */
@Module({})
export class IngestorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ingestor');
  private consumer?: IsolatedConsumer;
  private backfillWorker?: { stop(): Promise<void> };
  private reconciliation?: { stop(): Promise<void> };
  private latency?: PipelineLatencyRecorder;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    private readonly connectors: ConnectorsService,
    private readonly incidents: IncidentsService,
    private readonly assets: AssetsService,
    private readonly database: Database,
    private readonly deadLetters: DeadLettersService,
    private readonly ignored: IgnoredDeliveriesService,
    private readonly metrics: Metrics,
    private readonly backfills: BackfillsService,
    private readonly consumers: ConsumerWatch,
    private readonly directory: DirectoryService,
    private readonly classifications: ClassificationsService,
    private readonly atlasApis: AtlasApis,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // the facts of other kinds sources state, each applied by its own applier
    const appliers = [new DirectoryFactApplier(this.directory), new OpenLineageEventApplier(this.database, this.assets),
      new AtlasEntityApplier(this.database, this.assets, this.classifications, this.atlasApis)];
    const latency = this.latency = new PipelineLatencyRecorder(this.database, (err, tenant, stage) =>
      this.logger.warn({ message: 'recording pipeline latency failed; the work it measured is done, the samples are dropped', tenant, stage, error: String(err) }));
    const processor = new InboundProcessor(this.connectors, this.incidents, this.deadLetters, this.ignored, this.metrics, latency, appliers);
    this.consumer = await IsolatedConsumer.start(this.log, this.runtime.database, this.consumers, this.runtime.config, this.logger,
      { group: GROUP, stream: INBOUND_STREAM, batchSize: BATCH_SIZE, what: 'inbound records', handle: (batch) => processor.handle(batch) });
    const { jobAttempts, jobBackoffMs } = this.runtime.config;
    const tenantJobs = new TenantJobs(tenantBackoff(this.runtime.config));
    this.backfillWorker = await this.runtime.jobQueue.work<BackfillJob>(BACKFILL_QUEUE, tenantJobs.handler((job) => this.backfills.run(job)),
      { concurrency: 2, attempts: jobAttempts, backoffMs: jobBackoffMs });
    const { reconcileMinutes } = this.runtime.config;
    if (reconcileMinutes > 0) {
      const reconciler = new ReconciliationService(this.connectors, this.incidents, this.log, this.metrics,
        (connectorId, err) => this.logger.warn({ message: 'reconciliation of a connector failed; the next pass tries again', connectorId, error: String(err) }));
      this.reconciliation = await schedulePeriodic(this.runtime.jobQueue,
        { name: RECONCILE_QUEUE, everyMs: Math.max(1, Math.round(reconcileMinutes * 60_000)), run: () => reconciler.runAll() },
        (task, err) => this.logger.warn({ message: 'a reconciliation pass failed; the next one still comes', task, error: String(err) }));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reconciliation?.stop();
    await this.backfillWorker?.stop();
    await this.consumer?.stop();
    await this.latency?.flush();
  }
}
