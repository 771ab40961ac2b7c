import { Database, PipelineLatencyRepository, StageLatency } from '@tributary/store';
import { ReadContext } from './write-context';

export interface StageLagView {
  stage: StageLatency['stage'];
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  lastAt: string | null;
}

/**
 * How far behind a tenant's ingest and propagation run, from what the stages recorded in the tenant's
 * own data (PipelineLatencyRecorder): whichever process did the work, the API reads it here.
 */
export class PipelineLagService {
  constructor(private readonly database: Database, private readonly latency = new PipelineLatencyRepository(), private readonly now = () => new Date()) {}

  async lag(ctx: ReadContext, windowMs: number): Promise<{ since: string; stages: StageLagView[] }> {
    const since = new Date(this.now().getTime() - windowMs);
    const stages = await this.database.inTenant(ctx.tenantId, (tx) => this.latency.summary(tx, since));
    return { since: since.toISOString(), stages: stages.map((s) => ({ ...s, lastAt: s.lastAt?.toISOString() ?? null })) };
  }
}
