import type { TrendGroupBy, TrendSeries } from '../incident-analytics';
import type { TrendBucket } from '../trend-buckets';
import type { TrendCountRow } from './incident-facts.queries';

/**
 * Spreads Druid's counts per (group value, opened bucket, resolved bucket) over the buckets: an
 * incident opened in bucket o (-1 before the first) and resolved in bucket r (`buckets.length` when
 * not within them) is opened in o, resolved in r, and open at the end of every bucket from o to r - 1
 * (opened before its end, not resolved before it). Grouped by asset, a row's key is the JSON array of
 * the incident's assets and its counts go to each of them. Series in the order of their keys' UTF-8
 * bytes, the order ClickHouse sorts strings in.
 */
export function trendSeriesOf(rows: TrendCountRow[], buckets: TrendBucket[], groupBy: TrendGroupBy): TrendSeries[] {
  const n = buckets.length;
  const counts = new Map<string, { opened: number[]; resolved: number[]; openDelta: number[] }>();
  for (const row of rows) {
    for (const key of keysOf(row.key, groupBy)) {
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { opened: new Array(n).fill(0), resolved: new Array(n).fill(0), openDelta: new Array(n + 1).fill(0) }));
      const opened = row.openedBucket;
      const resolved = row.resolvedBucket;
      if (opened >= 0) c.opened[opened] += row.incidents;
      if (resolved < n) c.resolved[resolved] += row.incidents;
      const from = Math.max(opened, 0);
      if (resolved > from) {
        c.openDelta[from] += row.incidents;
        c.openDelta[resolved] -= row.incidents;
      }
    }
  }
  return [...counts.entries()]
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))
    .map(([key, c]) => {
      let open = 0;
      return {
        key,
        points: buckets.map((bucket, i) => {
          open += c.openDelta[i];
          return { time: bucket.start, opened: c.opened[i], resolved: c.resolved[i], openAtEnd: open };
        }),
      };
    });
}

function keysOf(key: string | null, groupBy: TrendGroupBy): string[] {
  if (key === null) return [];
  return groupBy === 'asset' ? (JSON.parse(key) as string[] | null) ?? [] : [key];
}
