import type { TenantId } from '@tributary/store';

export type TrendGranularity = 'hour' | 'day' | 'week';
export type TrendGroupBy = 'type' | 'severity' | 'source' | 'status' | 'asset';

export interface TrendQuery {
  from: Date;
  to: Date;
  granularity: TrendGranularity;
  groupBy: TrendGroupBy;
}

export interface TrendSeries {
  /** the group's value (`null` severity as `none`) */
  key: string;
  points: { time: Date; opened: number; resolved: number; openAtEnd: number }[];
}

export interface IncidentSummary {
  openNow: number;
  opened: number;
  resolved: number;
  meanSecondsToAcknowledge: number | null;
  meanSecondsToResolve: number | null;
}

/** Which engine answered: dashboards show it, and tell a Druid answer from an embedded one. */
export type IncidentAnalyticsEngine = 'clickhouse' | 'druid';

/**
 * Incident counts for dashboards, over the newest state of each incident of a tenant. Two adapters:
 * the analytics store (ClickHouse, fed by the indexer) and Druid (the incident-facts datasource, fed
 * by Druid's own ingestion); both pass incident-analytics.contract.ts and answer alike to the number.
 *
 * Trends: per bucket of `trendBuckets` (trend-buckets.ts, which also bounds the range), `opened` counts
 * incidents opened in the bucket, `resolved` those resolved in it, `openAtEnd` those opened before the
 * bucket's end and not resolved before it; one series per group value that has an incident in the
 * buckets' extent, every bucket present, series in the order of their keys' UTF-8 bytes. Grouped by
 * asset, an incident counts once in each of its assets' series, and not at all without assets.
 * Summary: `openNow` incidents whose status is `open`; `opened`/`resolved` in from..to; the means over
 * the incidents opened in from..to (null when none has the time).
 */
export interface IncidentAnalytics {
  readonly engine: IncidentAnalyticsEngine;
  incidentTrends(tenantId: TenantId, query: TrendQuery): Promise<TrendSeries[]>;
  incidentSummary(tenantId: TenantId, query: { from: Date; to: Date }): Promise<IncidentSummary>;
}
