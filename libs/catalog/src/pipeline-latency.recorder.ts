import { Database, LatencySample, PipelineLatencyRepository, PipelineStage, TenantId } from '@tributary/store';

/** How long samples wait to be written with the others of their tenant and stage. */
const FLUSH_MS = 1000;

/**
 * Records how long a stage of the pipeline took for a tenant, once the work it times has committed
 * (a sample of work that rolled back would be a lie). Samples are kept for a second and written
 * together, one transaction per tenant and stage: written per apply job, every propagation worker of a
 * tenant would queue on the one row of the current minute. Measuring never fails the work: a failed
 * write goes to `onFailure` (a warning) and its samples are dropped, as are those of a process that
 * dies within the second.
 */
export class PipelineLatencyRecorder {
  private pending = new Map<string, { tenantId: TenantId; stage: PipelineStage; samples: LatencySample[] }>();
  private timer: NodeJS.Timeout | null = null;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly onFailure: (err: unknown, tenantId: TenantId, stage: PipelineStage) => void,
    private readonly latency = new PipelineLatencyRepository(),
    private readonly flushMs = FLUSH_MS,
  ) {}

  record(tenantId: TenantId, stage: PipelineStage, samples: readonly LatencySample[]): void {
    if (samples.length === 0) return;
    const key = `${stage}\u0000${tenantId}`;
    const entry = this.pending.get(key) ?? { tenantId, stage, samples: [] };
    entry.samples.push(...samples);
    this.pending.set(key, entry);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      // a process may end with samples pending: shutdown flushes them, nothing else waits for them
      this.timer.unref();
    }
  }

  /** Writes what is pending now, after any write still running; resolves when it is written or reported. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.written = this.written.then(async () => {
      for (const { tenantId, stage, samples } of batch) {
        try {
          await this.database.inTenant(tenantId, (tx) => this.latency.record(tx, stage, samples));
        } catch (err) {
          this.onFailure(err, tenantId, stage);
        }
      }
    });
    return this.written;
  }
}
