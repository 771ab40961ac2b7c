import type { TrendGranularity } from '@tributary/analytics';

/**
 * The most buckets one trends answer may span: 2,000 is 83 days by the hour, five and a half years by
 * the day, 38 years by the week; a chart has no use for more, and the answer stays small. The bound
 * is on the span (checkable by a client without knowing how buckets align): from..to may span at most
 * this many hours, days or weeks.
 */
export const MAX_TREND_BUCKETS = 2000;

const BUCKET_MS: Record<TrendGranularity, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

/** How many hours, days or weeks the span from..to covers, a partial one counting as one. */
export function bucketsSpanned(from: Date, to: Date, granularity: TrendGranularity): number {
  return Math.ceil((to.getTime() - from.getTime()) / BUCKET_MS[granularity]);
}
