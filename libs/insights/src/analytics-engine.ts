import type { AnalyticsStore } from '@tributary/analytics';
import { DomainError } from '@tributary/errors';

/**
 * The engine that answers every analytics question today: the port's two adapters are both
 * ClickHouse (chdb in-process, or a server by URL). Answers name it so that a dashboard can tell
 * engines apart once the Druid issue adds Druid for incident trends and summaries.
 */
export const ANALYTICS_ENGINE = 'clickhouse' as const;

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
