import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeadLettersService } from '@tributary/catalog';
import { ChangeEventRecord, changeEventCodec } from '@tributary/contracts';
import type { EventLog, LogRecord, Subscription } from '@tributary/eventlog';
import type { Job, JobOutcome } from '@tributary/queue';
import { Metrics } from '@tributary/observability';
import { EVENT_LOG, RUNTIME, type Runtime } from '@tributary/platform';
import {
  APPLY_QUEUE, ApplyJob, ChangeRelay, CHANGES_STREAM, FANOUT_QUEUE, FanoutJob, PropagationEngine, PropagationPlanner, RULE_PLAN_QUEUE,
  RulePlanJob, RulePlanning,
} from '@tributary/propagation';
import { TenantId } from '@tributary/store';

/**
 * The propagator: relays the outbox into the change log (embedded change capture, unless Debezium
 * does it), consumes the change log (consumer group `propagator`), plans which propagations to
 * recompute, and runs the fan-out and apply jobs.
 */
@Module({})
export class PropagatorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('propagator');
  private relay?: ChangeRelay;
  private subscription?: Subscription;
  private workers: { stop(): Promise<void> }[] = [];
  /** Apply jobs running in this process; the relay yields to them. */
  private applying = 0;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly planner: PropagationPlanner,
    private readonly engine: PropagationEngine,
    private readonly planning: RulePlanning,
    private readonly deadLetters: DeadLettersService,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { jobAttempts: attempts, jobBackoffMs: backoffMs } = this.runtime.config;
    this.workers = [
      await this.runtime.jobQueue.work<FanoutJob>(FANOUT_QUEUE, (job) => this.engine.fanout(job), { concurrency: 2, attempts, backoffMs }),
      await this.runtime.jobQueue.work<ApplyJob>(APPLY_QUEUE, (job) => this.apply(job), { concurrency: 3, attempts, backoffMs }),
      await this.runtime.jobQueue.work<RulePlanJob>(RULE_PLAN_QUEUE, (job) => this.planning.run(job), { concurrency: 1, attempts, backoffMs }),
    ];
    this.subscription = await this.log.subscribe('propagator', CHANGES_STREAM, (batch) => this.handle(batch), {
      batchSize: 1000,
      onError: (err, batch) => this.logger.warn({ message: 'change batch failed; it will be retried', records: batch.length, error: String(err) }),
    });
    // with Debezium, its connector fills the change topics from the outbox: a relay too would publish every change twice
    if (this.runtime.config.changeCapture === 'relay') {
      this.relay = new ChangeRelay(this.runtime.database, this.log, this.runtime.postgres.connectionString(),
        (err) => this.logger.warn({ message: 'change relay failed; retrying', error: String(err) }), () => this.applying > 0);
      await this.relay.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.subscription?.stop();
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  /** Applies a partition; once its writes are committed, the end-to-end latency from the change that caused it. */
  private async apply(job: Job<ApplyJob>): Promise<JobOutcome> {
    this.applying += 1;
    const outcome = await this.engine.apply(job).finally(() => { this.applying -= 1; });
    const cause = job.data.cause;
    if (outcome.status === 'success' && cause) this.metrics.propagationLatency.observe(Math.max(0, Date.now() - Date.parse(cause.changedAt)) / 1000);
    return outcome;
  }

  private async handle(batch: LogRecord[]): Promise<void> {
    const byTenant = new Map<TenantId, ChangeEventRecord[]>();
    for (const record of batch) {
      let event: ChangeEventRecord;
      try {
        event = changeEventCodec.decode(record.value);
      } catch (err) {
        await this.deadLetters.parkRecord(record.tenantId, CHANGES_STREAM, `undecodable change record: ${(err as Error).message}`, record);
        continue;
      }
      byTenant.set(record.tenantId, [...(byTenant.get(record.tenantId) ?? []), event]);
    }
    for (const [tenantId, events] of byTenant) {
      const { jobs, stopped } = await this.planner.plan(tenantId, events);
      // the highest sequence: with redelivered events in a batch, the last one need not be the newest
      await this.engine.schedule(jobs, `seq-${Math.max(...events.map((e) => e.sequence))}`);
      for (const s of stopped) {
        await this.deadLetters.park(tenantId, 'propagation', `rule chain stopped after ${s.path.length - 1} rule generations: ${s.path.join(' -> ')}`,
          { event: { ...s.event, time: s.event.time.toISOString(), data: JSON.parse(s.event.data) }, ruleId: s.ruleId, path: s.path });
      }
    }
  }
}
