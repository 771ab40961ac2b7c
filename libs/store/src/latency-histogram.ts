/**
 * Latency as the platform keeps it per tenant: counts per fixed bucket, from which percentiles are
 * read back. The bounds are those of the Prometheus histograms `tributary_ingest_latency_seconds` and
 * `tributary_propagation_latency_seconds` (in ms), then +Inf; the table stores one count per bound
 * (`pipeline_latency.buckets`), so they cannot change without a migration.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, Infinity];

/** The largest latency a row can hold (an int column): about 24 days, far past anything the pipeline keeps. */
const MAX_MS = 2 ** 31 - 1;

/** A latency in whole ms as stored: never negative (clocks of two processes may disagree by a little), at most MAX_MS. */
export function storableMs(ms: number): number {
  return Math.min(MAX_MS, Math.max(0, Math.round(ms)));
}

/** The bucket a latency counts in: the first whose upper bound it does not exceed (Prometheus' `le`). */
export function bucketOf(ms: number): number {
  return LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
}

/**
 * The q-quantile (0 < q ≤ 1) of the samples counted in `buckets`, by nearest rank: the upper bound of
 * the bucket in which the cumulative count reaches ⌈q·count⌉, capped at the largest sample seen
 * (`maxMs`). So it is an upper estimate, at most one bucket wide, never above what was measured; in
 * the +Inf bucket it is that largest sample. Null when nothing was counted.
 */
export function quantileMs(buckets: readonly number[], maxMs: number, q: number): number | null {
  const count = buckets.reduce((a, b) => a + b, 0);
  if (count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * count));
  let cumulative = 0;
  for (const [i, n] of buckets.entries()) {
    cumulative += n;
    if (cumulative >= rank) return Math.min(LATENCY_BOUNDS_MS[i], maxMs);
  }
  return maxMs;
}
