import type { IncidentAnalytics, IncidentAnalyticsEngine, TrendGranularity, TrendGroupBy } from '@tributary/analytics';
import type { ReadContext } from '@tributary/catalog';
import { requireIncidentAnalytics } from './analytics-engine';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface IncidentTrends {
  from: string;
  to: string;
  granularity: TrendGranularity;
  groupBy: TrendGroupBy;
  engine: IncidentAnalyticsEngine;
  series: { key: string; points: { time: string; opened: number; resolved: number; openAtEnd: number }[] }[];
}

export interface IncidentsSummary {
  from: string;
  to: string;
  engine: IncidentAnalyticsEngine;
  openNow: number;
  opened: number;
  resolved: number;
  meanSecondsToAcknowledge: number | null;
  meanSecondsToResolve: number | null;
}

/**
 * Incident counts over time for dashboards, from Druid's incident facts (DRUID_URL) or the analytics
 * store (the indexer's copy of the catalog's incidents); answers name the engine. The range is checked
 * at the edge (from before to, a bounded number of buckets).
 */
export class IncidentAnalyticsService {
  constructor(private readonly analytics: IncidentAnalytics | null) {}

  async trends(ctx: ReadContext, query: TimeRange & { granularity: TrendGranularity; groupBy: TrendGroupBy }): Promise<IncidentTrends> {
    const analytics = requireIncidentAnalytics(this.analytics);
    const series = await analytics.incidentTrends(ctx.tenantId, query);
    return {
      from: query.from.toISOString(), to: query.to.toISOString(), granularity: query.granularity, groupBy: query.groupBy, engine: analytics.engine,
      series: series.map((s) => ({ key: s.key, points: s.points.map((p) => ({ time: p.time.toISOString(), opened: p.opened, resolved: p.resolved, openAtEnd: p.openAtEnd })) })),
    };
  }

  async summary(ctx: ReadContext, range: TimeRange): Promise<IncidentsSummary> {
    const analytics = requireIncidentAnalytics(this.analytics);
    const s = await analytics.incidentSummary(ctx.tenantId, range);
    return {
      from: range.from.toISOString(), to: range.to.toISOString(), engine: analytics.engine,
      openNow: s.openNow, opened: s.opened, resolved: s.resolved,
      meanSecondsToAcknowledge: s.meanSecondsToAcknowledge, meanSecondsToResolve: s.meanSecondsToResolve,
    };
  }
}
