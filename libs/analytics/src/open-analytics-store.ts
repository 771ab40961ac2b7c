import type { Readable } from 'node:stream';
import { ClickHouseClient, createClient } from '@clickhouse/client';
import type { Connection } from '@clickhouse/client/dist/common/connection';
import { createChdbConnection } from 'chdb/connection';
import type { AnalyticsStore } from './analytics-store';
import { ClickHouseAnalyticsStore } from './clickhouse-analytics.store';
import { DatabaseOf, sharedDatabase } from './clickhouse-database';
import { loadMigrations } from './clickhouse-migrations';
import type { ClosureUpdateStats } from './closure-maintenance';

/** A ClickHouse server by URL (the distributed deployment). */
export interface ServerAnalyticsOptions {
  url: string;
  username?: string;
  password?: string;
  /** the client's default database; the store names its databases in every query */
  database?: string;
  databaseOf?: DatabaseOf;
  closureDepth?: number;
  onClosureUpdate?: (stats: ClosureUpdateStats) => void;
}

/** The ClickHouse engine in this process (chdb): one data directory per process. */
export interface EmbeddedAnalyticsOptions {
  path: string;
  databaseOf?: DatabaseOf;
  /** K: the closure holds pairs up to K hops (default 6), deeper answers jump through it */
  closureDepth?: number;
  /** told of each closure update and build (seeds, runs, levels, time): metrics, benchmarks */
  onClosureUpdate?: (stats: ClosureUpdateStats) => void;
}

export type AnalyticsStoreOptions = ServerAnalyticsOptions | EmbeddedAnalyticsOptions;

/**
 * Opens the analytics store and migrates the shared database. The same store class and SQL for both
 * transports; `databaseOf` puts a dedicated tenant in its own database (default: every tenant in
 * the shared one), migrated on first use.
 */
export async function openAnalyticsStore(options: AnalyticsStoreOptions): Promise<AnalyticsStore> {
  const client = 'path' in options
    ? embeddedClient(options.path)
    : createClient({ url: options.url, username: options.username, password: options.password, database: options.database });
  const store = new ClickHouseAnalyticsStore(client, loadMigrations(), options.databaseOf ?? sharedDatabase, { closureDepth: options.closureDepth, onClosureUpdate: options.onClosureUpdate });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * chdb 3.4 types its connection against @clickhouse/client-common 1.23.0, the client bundles 1.23.1's
 * copy of the same interface; the shapes are the same, only the declarations are two.
 */
function embeddedClient(path: string): ClickHouseClient {
  return createClient({ connection: createChdbConnection({ path }) as unknown as Connection<Readable> });
}
