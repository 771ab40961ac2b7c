import { Metrics } from '@tributary/observability';

/** Cumulative bucket counts of one histogram series: upper bound in seconds → observations at or below it. */
export type Buckets = Map<number, number>;

/**
 * The platform's own measure of inbound latency, `tributary_ingest_latency_seconds{from="received"}`
 * for Monte Carlo: from the webhook's arrival in the API until its observation is applied.
 */
export async function receivedToApplied(metrics: Metrics): Promise<Buckets> {
  const { values } = await metrics.ingestLatency.get();
  const buckets: Buckets = new Map();
  for (const v of values) {
    // Bucket series carry `le` beside the histogram's own labels.
    const labels = v.labels as Record<string, string | number | undefined>;
    if (v.metricName?.endsWith('_bucket') && labels.from === 'received' && labels.source === 'montecarlo') {
      buckets.set(labels.le === '+Inf' ? Infinity : Number(labels.le), v.value);
    }
  }
  return buckets;
}

/**
 * The bucket bound (milliseconds) under which the p-th percentile of the observations made between
 * two snapshots lies: an upper bound as coarse as the buckets, not a measured value.
 */
export function percentileBound(before: Buckets, after: Buckets, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const within = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = within(Infinity);
  if (total === 0) return NaN;
  const bound = bounds.find((le) => within(le) >= (p / 100) * total) ?? Infinity;
  return bound * 1000;
}
