import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeadLettersService, PipelineLatencyRecorder } from '@tributary/catalog';
import { ChangeEventRecord, changeEventCodec } from '@tributary/contracts';
import type { EventLog, LogRecord } from '@tributary/eventlog';
import type { Job, JobOutcome } from '@tributary/queue';
import { Metrics } from '@tributary/observability';
import { ConsumerWatch, EVENT_LOG, IsolatedConsumer, RUNTIME, type Runtime, tenantBackoff, TenantJobs, type WatchedConsumer } from '@tributary/platform';
import {
  APPLY_QUEUE, ApplyJob, ChangeRelay, CHANGES_STREAM, FANOUT_QUEUE, FanoutJob, PropagationEngine, PropagationPlanner, RULE_PLAN_QUEUE,
  RulePlanJob, RulePlanning,
} from '@tributary/propagation';
import {
  DELIVER_QUEUE, DeliverJob, DeliveryProcessor, DIGEST_QUEUE, DigestJob, NotificationPlanner,
} from '@tributary/notifications';
import { TenantId } from '@tributary/store';
import { WRITEBACK_QUEUE, WritebackJob, WritebackPlanner, WritebackProcessor } from '@tributary/writeback';

const GROUP = 'propagator';
/** The change log's second reader: notify rules, on their own offsets, so that a slow destination never holds propagation back. */
const NOTIFIER_GROUP = 'notifier';
/** The third: catalog write-back (the Atlas / Atlan bridge), on its own offsets, so that a slow catalog holds back neither of the others. */
const WRITEBACK_GROUP = 'writeback';
const BATCH_SIZE = 1000;

/**
 * The propagator: relays the outbox into the change log (embedded change capture, unless Debezium
 * does it), consumes the change log (consumer group `propagator`), plans which propagations to
 * recompute, and runs the fan-out and apply jobs; as consumer group `notifier` it plans the notify
 * rules' deliveries and runs their jobs; as consumer group `writeback` it marks the catalog entities
 * of bridge connectors to write back and runs the write-back jobs. A tenant that fails (its database unreachable) is
 * held back on its own backoff at each step while the others go on: in the relay, in the change
 * log's consumer (TenantIsolation) and in the jobs (TenantJobs). The consumer and the relay are
 * watched for stalls (ConsumerWatch).
 */
@Module({})
export class PropagatorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('propagator');
  private relay?: ChangeRelay;
  private consumer?: IsolatedConsumer;
  private notifier?: IsolatedConsumer;
  private writeback?: IsolatedConsumer;
  private relayWatch?: WatchedConsumer;
  private workers: { stop(): Promise<void> }[] = [];
  /** Apply jobs running in this process; the relay yields to them. */
  private applying = 0;
  private readonly latency: PipelineLatencyRecorder;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly planner: PropagationPlanner,
    private readonly engine: PropagationEngine,
    private readonly planning: RulePlanning,
    private readonly deadLetters: DeadLettersService,
    private readonly notifications: NotificationPlanner,
    private readonly deliveries: DeliveryProcessor,
    private readonly writebackPlanner: WritebackPlanner,
    private readonly writebacks: WritebackProcessor,
    private readonly metrics: Metrics,
    private readonly consumers: ConsumerWatch,
  ) {
    this.latency = new PipelineLatencyRecorder(runtime.database, (err, tenant, stage) =>
      this.logger.warn({ message: 'recording pipeline latency failed; the work it measured is done, the samples are dropped', tenant, stage, error: String(err) }));
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.runtime;
    const { jobAttempts: attempts, jobBackoffMs: backoffMs } = config;
    const tenantJobs = new TenantJobs(tenantBackoff(config));
    this.workers = [
      await this.runtime.jobQueue.work<FanoutJob>(FANOUT_QUEUE, tenantJobs.handler((job) => this.engine.fanout(job)), { concurrency: 2, attempts, backoffMs }),
      await this.runtime.jobQueue.work<ApplyJob>(APPLY_QUEUE, tenantJobs.handler((job) => this.apply(job)), { concurrency: 3, attempts, backoffMs }),
      await this.runtime.jobQueue.work<RulePlanJob>(RULE_PLAN_QUEUE, tenantJobs.handler((job) => this.planning.run(job)), { concurrency: 1, attempts, backoffMs }),
      // deliveries wait on destinations, not on this process: several at once
      await this.runtime.jobQueue.work<DeliverJob>(DELIVER_QUEUE,
        tenantJobs.handler((job) => this.counted(job.data.tenantId, this.deliveries.deliver(job))), { concurrency: 4, attempts, backoffMs }),
      await this.runtime.jobQueue.work<DigestJob>(DIGEST_QUEUE,
        tenantJobs.handler((job) => this.counted(job.data.tenantId, this.deliveries.digest(job))), { concurrency: 2, attempts, backoffMs }),
      // a job writes one connector's batch; rows, not jobs, count a write's attempts
      await this.runtime.jobQueue.work<WritebackJob>(WRITEBACK_QUEUE, tenantJobs.handler((job) => this.writebacks.run(job)), { concurrency: 2, attempts, backoffMs }),
    ];
    this.consumer = await IsolatedConsumer.start(this.log, this.runtime.database, this.consumers, config, this.logger,
      { group: GROUP, stream: CHANGES_STREAM, batchSize: BATCH_SIZE, what: 'changes', handle: (batch) => this.handle(batch) });
    this.notifier = await IsolatedConsumer.start(this.log, this.runtime.database, this.consumers, config, this.logger,
      { group: NOTIFIER_GROUP, stream: CHANGES_STREAM, batchSize: BATCH_SIZE, what: 'changes to notify', handle: (batch) => this.notify(batch) });
    this.writeback = await IsolatedConsumer.start(this.log, this.runtime.database, this.consumers, config, this.logger,
      { group: WRITEBACK_GROUP, stream: CHANGES_STREAM, batchSize: BATCH_SIZE, what: 'changes to write back', handle: (batch) => this.writeBack(batch) });
    // with Debezium, its connector fills the change topics from the outbox: a relay too would publish every change twice
    if (config.changeCapture === 'relay') {
      const relay = this.consumers.watch('relay', 'outbox');
      this.relayWatch = relay;
      this.relay = new ChangeRelay(this.runtime.database, this.log, this.runtime.postgres.connectionString(),
        (err, tenant) => this.logger.warn({ message: tenant ? 'relaying a tenant\'s changes failed; retrying on its backoff' : 'change relay failed; retrying',
          ...(tenant ? { tenant } : {}), error: String(err) }),
        () => this.applying > 0, { onRound: () => relay.progress(), backoff: tenantBackoff(config) });
      await this.relay.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.consumer?.stop();
    await this.notifier?.stop();
    await this.writeback?.stop();
    await Promise.all(this.workers.map((w) => w.stop()));
    this.relayWatch?.stop();
    await this.latency.flush();
  }

  /**
   * Applies a partition; once its writes are committed, the end-to-end latency from the change that
   * caused it, to Prometheus and to the tenant's own `propagation` lag.
   */
  private async apply(job: Job<ApplyJob>): Promise<JobOutcome> {
    this.applying += 1;
    const outcome = await this.engine.apply(job).finally(() => { this.applying -= 1; });
    const cause = job.data.cause;
    if (outcome.status === 'success' && cause) {
      const at = new Date();
      const ms = Math.max(0, at.getTime() - Date.parse(cause.changedAt));
      this.metrics.propagationLatency.observe(ms / 1000);
      this.latency.record(job.data.tenantId, 'propagation', [{ at, ms }]);
    }
    return outcome;
  }

  /** A delivery or digest job's outcome, counted by what it means for the destination. */
  private async counted(tenant: TenantId, run: Promise<JobOutcome>): Promise<JobOutcome> {
    const outcome = await run;
    const meaning = outcome.status === 'success' ? 'sent'
      : outcome.status === 'failed' ? 'retrying'
        : outcome.status === 'deferred' ? (outcome.reason.startsWith('rate limited') ? 'rate_limited' : 'waiting')
          : outcome.reason.startsWith('parked') ? 'parked' : 'skipped';
    this.metrics.notifications.inc({ tenant, outcome: meaning });
    return outcome;
  }

  /** Queues the deliveries a batch of changes makes notify rules want (an undecodable record is parked by `handle`). */
  private async notify(batch: LogRecord[]): Promise<void> {
    for (const [tenantId, events] of decodedByTenant(batch)) {
      const { deliver, digest } = await this.notifications.plan(tenantId, events);
      if (deliver.length > 0) await this.runtime.jobQueue.enqueue(DELIVER_QUEUE, deliver);
      if (digest.length > 0) await this.runtime.jobQueue.enqueue(DIGEST_QUEUE, digest);
    }
  }

  /** Queues the write-back jobs a batch of changes makes bridge connectors want (an undecodable record is parked by `handle`). */
  private async writeBack(batch: LogRecord[]): Promise<void> {
    for (const [tenantId, events] of decodedByTenant(batch)) {
      const jobs = await this.writebackPlanner.plan(tenantId, events);
      if (jobs.length > 0) await this.runtime.jobQueue.enqueue(WRITEBACK_QUEUE, jobs);
    }
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

/** The batch's change events by tenant; an undecodable record is left out (the `propagator` group parks it). */
function decodedByTenant(batch: LogRecord[]): Map<TenantId, ChangeEventRecord[]> {
  const byTenant = new Map<TenantId, ChangeEventRecord[]>();
  for (const record of batch) {
    let event: ChangeEventRecord;
    try {
      event = changeEventCodec.decode(record.value);
    } catch {
      continue;
    }
    byTenant.set(record.tenantId, [...(byTenant.get(record.tenantId) ?? []), event]);
  }
  return byTenant;
}
