import { invalid } from '@tributary/errors';
import type { TrendGranularity } from './incident-analytics';

/**
 * The most buckets one trends answer may span: 2,000 is 83 days by the hour, five and a half years by
 * the day, 38 years by the week; a chart has no use for more, and the answer stays small. The bound
 * is on the span (checkable by a client without knowing how buckets align): from..to may span at most
 * this many hours, days or weeks. The API refuses more before asking the store, which refuses it too.
 */
export const MAX_TREND_BUCKETS = 2000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BUCKET_MS: Record<TrendGranularity, number> = { hour: HOUR, day: DAY, week: 7 * DAY };

/** How many hours, days or weeks the span from..to covers, a partial one counting as one. */
export function bucketsSpanned(from: Date, to: Date, granularity: TrendGranularity): number {
  return Math.ceil((to.getTime() - from.getTime()) / BUCKET_MS[granularity]);
}

export interface TrendBucket {
  start: Date;
  end: Date;
}

export function checkRange(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
    throw invalid('analytics_range', `the range must run forward, from ${String(from)} to ${String(to)}`);
  }
}

/**
 * The buckets of a trend, in UTC: the one holding `from` (hours and days from their start, weeks from
 * Monday 00:00 as ISO weeks do) up to the one holding the last instant before `to`.
 */
export function trendBuckets(from: Date, to: Date, granularity: TrendGranularity): TrendBucket[] {
  checkRange(from, to);
  const spanned = bucketsSpanned(from, to, granularity);
  if (spanned > MAX_TREND_BUCKETS) {
    throw invalid('analytics_buckets', `the range spans ${spanned} ${granularity}s; at most ${MAX_TREND_BUCKETS}: choose a coarser granularity`);
  }
  const step = BUCKET_MS[granularity];
  let start = Math.floor(from.getTime() / (granularity === 'week' ? DAY : step)) * (granularity === 'week' ? DAY : step);
  // 1970-01-01 was a Thursday: getUTCDay() 1 is Monday
  if (granularity === 'week') start -= ((new Date(start).getUTCDay() + 6) % 7) * DAY;
  // aligned to bucket starts, one more than the span at most
  const count = Math.ceil((to.getTime() - start) / step);
  return Array.from({ length: count }, (_, i) => ({ start: new Date(start + i * step), end: new Date(start + (i + 1) * step) }));
}
