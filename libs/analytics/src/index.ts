export * from './analytics-store';
export * from './clickhouse-analytics.store';
export { SHARED_DATABASE, sharedDatabase } from './clickhouse-database';
export type { DatabaseOf } from './clickhouse-database';
export { loadMigrations, migrationsDirectory } from './clickhouse-migrations';
export { CLOSURE_DEPTH, MAX_DEPTH } from './closure-maintenance';
export type { ClosureUpdateStats } from './closure-maintenance';
export * from './open-analytics-store';
export { bucketsSpanned, MAX_TREND_BUCKETS } from './trend-buckets';
