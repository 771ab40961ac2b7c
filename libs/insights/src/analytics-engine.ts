import type { AnalyticsStore, IncidentAnalytics } from '@tributary/analytics';
import { DomainError } from '@tributary/errors';

/**
 * The process's analytics store, or a 503 saying why there is none: the embedded engine (chdb) opens
 * one data directory per process, so only the all-in-one platform holds it, and a split api process
 * answers analytics only when it reaches a ClickHouse server.
 */
export function requireAnalyticsStore(store: AnalyticsStore | null): AnalyticsStore {
  if (store) return store;
  throw new DomainError('unavailable', 'analytics_unavailable',
    'this process has no analytics engine: the embedded one runs only in the all-in-one platform (npm start); '
    + 'a split api process needs CLICKHOUSE_URL (a ClickHouse server the indexer writes to)');
}

/** The process's incident analytics (Druid or the analytics store), or the same 503 when it has neither. */
export function requireIncidentAnalytics(analytics: IncidentAnalytics | null): IncidentAnalytics {
  if (analytics) return analytics;
  throw new DomainError('unavailable', 'analytics_unavailable',
    'this process has no analytics engine: the embedded one runs only in the all-in-one platform (npm start); '
    + 'a split api process needs CLICKHOUSE_URL (a ClickHouse server the indexer writes to) or, for incident trends and summaries, DRUID_URL');
}
