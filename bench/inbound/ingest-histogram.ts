import { sample } from '../../test/support/app-processes';

/** Cumulative bucket counts of one histogram series: upper bound in seconds → observations at or below it. */
export type Buckets = Map<number, number>;

const BUCKET = 'tributary_ingest_latency_seconds_bucket';

/**
 * The platform's own measure of inbound latency, `tributary_ingest_latency_seconds{from="received"}`
 * for Monte Carlo: from the webhook's arrival in the API until its observation is applied, read from
 * the Prometheus exposition of the process that runs the ingestor (its /metrics, or the registry of
 * an in-process app).
 */
export function receivedToApplied(exposition: string): Buckets {
  const bounds = new Set([...exposition.matchAll(new RegExp(`^${BUCKET}\\{[^}]*\\ble="([^"]+)"`, 'gm'))].map((m) => m[1]));
  const buckets: Buckets = new Map();
  for (const le of bounds) {
    buckets.set(le === '+Inf' ? Infinity : Number(le), sample(exposition, BUCKET, { le, source: 'montecarlo', from: 'received' }, 0));
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
