import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import type { Connection } from '@clickhouse/client/dist/common/connection';
import { createChdbConnection } from 'chdb/connection';
import { describeAnalyticsStoreContract } from './analytics-store.contract';
import { ClickHouseAnalyticsStore } from './clickhouse-analytics.store';
import { loadMigrations } from './clickhouse-migrations';

/** The analytics port on the ClickHouse engine in-process (chdb), a fresh data directory for this file. */
describeAnalyticsStoreContract('the embedded ClickHouse engine (chdb)', async (databaseOf) => {
  const path = await mkdtemp(join(tmpdir(), 'tributary-analytics-'));
  const client = createClient({ connection: createChdbConnection({ path }) as unknown as Connection<Readable> });
  const store = new ClickHouseAnalyticsStore(client, loadMigrations(), databaseOf);
  await store.migrate();
  return {
    store,
    inspect: async <T>(sql: string) => (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>(),
    dispose: () => rm(path, { recursive: true, force: true }),
  };
});
