import type { ClickHouseClient } from '@clickhouse/client';
import { DomainError } from '@tributary/errors';
import type { TenantId } from '@tributary/store';
import { migrateDatabase, Migration } from './clickhouse-migrations';

/** Where pooled tenants live. */
export const SHARED_DATABASE = 'tributary';

/** Which ClickHouse database holds a tenant's rows: the shared one, or a dedicated tenant's own. */
export type DatabaseOf = (tenantId: TenantId) => Promise<string>;

export const sharedDatabase: DatabaseOf = async () => SHARED_DATABASE;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * A database name goes into SQL as an identifier (ClickHouse takes no parameter there), so it must
 * be a plain identifier: it comes from configuration, never from a tenant's input, and this check
 * keeps it that way.
 */
export function databaseName(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new DomainError('invalid', 'analytics_database_name', `analytics database name ${JSON.stringify(name)} is not a plain identifier`);
  }
  return name;
}

/**
 * Resolves a tenant's database and migrates it on first use in this process. The promise is cached
 * (one migration run per database per process, even when several calls arrive at once); a failed
 * run is forgotten so the next call tries again.
 */
export class TenantDatabases {
  private readonly migrated = new Map<string, Promise<void>>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly databaseOf: DatabaseOf,
    private readonly migrations: Migration[],
  ) {}

  async of(tenantId: TenantId): Promise<string> {
    const database = databaseName(await this.databaseOf(tenantId));
    await this.ensureMigrated(database);
    return database;
  }

  ensureMigrated(database: string): Promise<void> {
    let run = this.migrated.get(database);
    if (!run) {
      run = migrateDatabase(this.client, database, this.migrations);
      this.migrated.set(database, run);
      run.catch(() => this.migrated.delete(database));
    }
    return run;
  }
}
