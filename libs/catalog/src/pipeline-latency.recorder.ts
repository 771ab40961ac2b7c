import { Database, LatencySample, PipelineLatencyRepository, PipelineStage, TenantId } from '@tributary/store';

/**
 * Records how long a stage of the pipeline took for a tenant, in a transaction of its own once the
 * work it times has committed (a sample of work that rolled back would be a lie). Measuring must
 * never fail the work: a failure goes to `onFailure` (a warning) and the samples are dropped.
 */
export class PipelineLatencyRecorder {
  constructor(
    private readonly database: Database,
    private readonly onFailure: (err: unknown, tenantId: TenantId, stage: PipelineStage) => void,
    private readonly latency = new PipelineLatencyRepository(),
  ) {}

  async record(tenantId: TenantId, stage: PipelineStage, samples: readonly LatencySample[]): Promise<void> {
    if (samples.length === 0) return;
    try {
      await this.database.inTenant(tenantId, (tx) => this.latency.record(tx, stage, samples));
    } catch (err) {
      this.onFailure(err, tenantId, stage);
    }
  }
}
