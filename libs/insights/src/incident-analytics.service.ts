import type { AnalyticsStore, TrendGranularity, TrendGroupBy } from '@tributary/analytics';
import type { ReadContext } from '@tributary/catalog';
import { ANALYTICS_ENGINE, requireAnalyticsStore } from './analytics-engine';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface IncidentTrends {
  from: string;
  to: string;
  granularity: TrendGranularity;
  groupBy: TrendGroupBy;
  engine: typeof ANALYTICS_ENGINE;
  series: { key: string; points: { time: string; opened: number; resolved: number; openAtEnd: number }[] }[];
}

export interface IncidentsSummary {
  from: string;
  to: string;
  engine: typeof ANALYTICS_ENGINE;
  openNow: number;
  opened: number;
  resolved: number;
  meanSecondsToAcknowledge: number | null;
  meanSecondsToResolve: number | null;
}

/**
 * Incident counts over time for dashboards, from the analytics engine (the indexer's copy of the
 * catalog's incidents). The range is checked at the edge (from before to, a bounded number of buckets).
 */
export class IncidentAnalyticsService {
  constructor(private readonly store: AnalyticsStore | null) {}

  async trends(ctx: ReadContext, query: TimeRange & { granularity: TrendGranularity; groupBy: TrendGroupBy }): Promise<IncidentTrends> {
    const series = await requireAnalyticsStore(this.store).incidentTrends(ctx.tenantId, query);
    return {
      from: query.from.toISOString(), to: query.to.toISOString(), granularity: query.granularity, groupBy: query.groupBy, engine: ANALYTICS_ENGINE,
      series: series.map((s) => ({ key: s.key, points: s.points.map((p) => ({ time: p.time.toISOString(), opened: p.opened, resolved: p.resolved, openAtEnd: p.openAtEnd })) })),
    };
  }

  async summary(ctx: ReadContext, range: TimeRange): Promise<IncidentsSummary> {
    const s = await requireAnalyticsStore(this.store).incidentSummary(ctx.tenantId, range);
    return {
      from: range.from.toISOString(), to: range.to.toISOString(), engine: ANALYTICS_ENGINE,
      openNow: s.openNow, opened: s.opened, resolved: s.resolved,
      meanSecondsToAcknowledge: s.meanSecondsToAcknowledge, meanSecondsToResolve: s.meanSecondsToResolve,
    };
  }
}
