import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Config } from '@tributary/config';
import { Metrics } from '@tributary/observability';
import { schedulePeriodic } from '@tributary/queue';
import { RetentionPolicy, RetentionReport, RetentionService } from '@tributary/retention';
import { RUNTIME } from './platform.module';
import type { Runtime } from './runtime';

/** The job queue's name for retention runs. */
export const RETENTION_QUEUE = 'retention';

export const retentionPolicyOf = (c: Config): RetentionPolicy => ({
  eventLogDays: c.retentionEventLogDays, deliveryKeysDays: c.retentionDeliveryKeysDays, outboxDays: c.retentionOutboxDays,
  deadLettersDays: c.retentionDeadLettersDays, auditDays: c.retentionAuditDays, batchSize: c.retentionBatchSize, changeCapture: c.changeCapture,
});

/**
 * Runs retention about every TRIBUTARY_RETENTION_INTERVAL_MS. Every process schedules it and the job
 * queue gives each run to one of them (see schedulePeriodic), so a deployment of any shape prunes,
 * once per interval, without a leader.
 */
@Module({
  providers: [{
    provide: RetentionService,
    inject: [RUNTIME, Metrics],
    useFactory: (runtime: Runtime, metrics: Metrics) => new RetentionService(runtime.database, retentionPolicyOf(runtime.config),
      (table, rows) => metrics.retentionPruned.inc({ table }, rows)),
  }],
  exports: [RetentionService],
})
export class RetentionModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('retention');
  private schedule?: { stop(): Promise<void> };

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime, private readonly retention: RetentionService) {}

  async onApplicationBootstrap(): Promise<void> {
    this.schedule = await schedulePeriodic(this.runtime.jobQueue, {
      name: RETENTION_QUEUE, everyMs: this.runtime.config.retentionIntervalMs, run: async () => this.log(await this.retention.run()),
    }, (_task, err) => this.logger.warn({ message: 'retention run failed; the next one tries again', error: String(err) }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.schedule?.stop();
  }

  private log(report: RetentionReport): void {
    const pruned = Object.entries(report.pruned).filter(([, rows]) => rows > 0);
    if (pruned.length > 0) this.logger.log({ message: 'retention pruned', rows: Object.fromEntries(pruned) });
    for (const f of report.failures) this.logger.warn({ message: `retention skipped ${f.scope}; the next run tries again`, error: f.error });
    for (const h of report.heldBack) {
      this.logger.warn({ message: `consumer group ${h.group} keeps records of stream ${h.stream} past their retention; `
        + 'if the group is retired, delete its row from tributary.event_log_offsets', committedAt: h.committedAt.toISOString() });
    }
  }
}
