import { sql } from 'kysely';
import { TenantTx } from '../database';
import { bucketOf, LATENCY_BOUNDS_MS, quantileMs, storableMs } from '../latency-histogram';

/** ingest: a delivery received until its observation is applied; propagation: a change until the writes it propagates are committed. */
export type PipelineStage = 'ingest' | 'propagation';
export const PIPELINE_STAGES: readonly PipelineStage[] = ['ingest', 'propagation'];

/** One measured latency: the work finished at `at`, `ms` after it began. */
export interface LatencySample {
  at: Date;
  ms: number;
}

/** A stage's latency over a window: percentiles from the buckets (see quantileMs), null with no sample. */
export interface StageLatency {
  stage: PipelineStage;
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** the start of the minute of the newest sample (the table keeps minutes, not samples) */
  lastAt: Date | null;
}

const MINUTE_MS = 60_000;

/** A tenant's pipeline latency, kept per stage and minute as a count, a sum, a maximum and bucket counts. */
export class PipelineLatencyRepository {
  /**
   * Adds the samples to their minutes' rows, in one statement however many samples and minutes: the
   * samples are aggregated per minute here, and each minute's row is made or added to. Two writers
   * adding to the same minute wait for each other on its row; neither's counts are lost.
   */
  async record(tx: TenantTx, stage: PipelineStage, samples: readonly LatencySample[]): Promise<void> {
    if (samples.length === 0) return;
    const minutes = new Map<number, { minute: string; count: number; sum_ms: number; max_ms: number; buckets: number[] }>();
    for (const { at, ms } of samples) {
      const key = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
      const row = minutes.get(key) ?? { minute: new Date(key).toISOString(), count: 0, sum_ms: 0, max_ms: 0, buckets: LATENCY_BOUNDS_MS.map(() => 0) };
      const stored = storableMs(ms);
      row.count += 1;
      row.sum_ms += stored;
      row.max_ms = Math.max(row.max_ms, stored);
      row.buckets[bucketOf(stored)] += 1;
      minutes.set(key, row);
    }
    await sql`
      INSERT INTO pipeline_latency AS p (tenant_id, stage, minute, count, sum_ms, max_ms, buckets)
      SELECT ${tx.tenantId}, ${stage}, r.minute, r.count, r.sum_ms, r.max_ms, r.buckets
      FROM jsonb_to_recordset(${JSON.stringify([...minutes.values()])}::jsonb) AS r(minute timestamptz, count int, sum_ms bigint, max_ms int, buckets int[])
      ON CONFLICT (tenant_id, stage, minute) DO UPDATE SET
        count = p.count + excluded.count,
        sum_ms = p.sum_ms + excluded.sum_ms,
        max_ms = greatest(p.max_ms, excluded.max_ms),
        buckets = ARRAY(SELECT a + b FROM unnest(p.buckets, excluded.buckets) WITH ORDINALITY AS x(a, b, i) ORDER BY i)`.execute(tx.db);
  }

  /**
   * Each stage's latency since `since`, both stages always (count 0 and nulls without samples). The
   * window is whole minutes: the minute `since` falls in counts whole.
   */
  async summary(tx: TenantTx, since: Date): Promise<StageLatency[]> {
    const { rows } = await sql<{ stage: PipelineStage; count: number; max_ms: number; last_minute: Date; buckets: (number | string)[] }>`
      WITH w AS (
        SELECT stage, minute, count, max_ms, buckets FROM pipeline_latency
        WHERE tenant_id = ${tx.tenantId} AND stage IN ('ingest', 'propagation') AND minute >= date_trunc('minute', ${since}::timestamptz)),
      bucket_sums AS (
        SELECT stage, i, sum(n) AS n FROM w, unnest(w.buckets) WITH ORDINALITY AS u(n, i) GROUP BY stage, i)
      SELECT w.stage, sum(w.count)::bigint AS count, max(w.max_ms) AS max_ms, max(w.minute) AS last_minute,
        (SELECT array_agg(b.n ORDER BY b.i) FROM bucket_sums b WHERE b.stage = w.stage) AS buckets
      FROM w GROUP BY w.stage`.execute(tx.db);
    return PIPELINE_STAGES.map((stage) => {
      const row = rows.find((r) => r.stage === stage);
      if (!row) return { stage, count: 0, p50Ms: null, p95Ms: null, maxMs: null, lastAt: null };
      // the sums are bigint, which pg hands over as text inside an array
      const buckets = row.buckets.map(Number);
      return { stage, count: row.count, p50Ms: quantileMs(buckets, row.max_ms, 0.5), p95Ms: quantileMs(buckets, row.max_ms, 0.95), maxMs: row.max_ms,
        lastAt: row.last_minute };
    });
  }

}
