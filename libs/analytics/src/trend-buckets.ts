import { invalid } from '@tributary/errors';
import type { TrendGranularity } from './analytics-store';

/** More buckets than this is a request for a different granularity (90 days by hour is 2,160). */
const MAX_BUCKETS = 10_000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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
  const step = granularity === 'hour' ? HOUR : granularity === 'day' ? DAY : 7 * DAY;
  let start = Math.floor(from.getTime() / (granularity === 'week' ? DAY : step)) * (granularity === 'week' ? DAY : step);
  // 1970-01-01 was a Thursday: getUTCDay() 1 is Monday
  if (granularity === 'week') start -= ((new Date(start).getUTCDay() + 6) % 7) * DAY;
  const count = Math.ceil((to.getTime() - start) / step);
  if (count > MAX_BUCKETS) {
    throw invalid('analytics_buckets', `${count} ${granularity} buckets asked for; at most ${MAX_BUCKETS}: choose a coarser granularity`);
  }
  return Array.from({ length: count }, (_, i) => ({ start: new Date(start + i * step), end: new Date(start + (i + 1) * step) }));
}
