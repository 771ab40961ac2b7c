import { Kysely, PostgresDialect, sql, Transaction } from 'kysely';
import { Pool, types } from 'pg';
import { controlMigrations } from './migrations/control.migrations';
import { migrate } from './migrations/migrator';
import { joinOutboxPublication } from './migrations/outbox-publication';
import { tenantDataMigrations } from './migrations/tenant-data.migrations';
import { describeDatabaseProblem } from './database-errors';
import { ControlSchema, TenantDataSchema } from './schema';
import { SecretBox } from './secret-box';
import { TenantId } from './tenant-id';

export type Placement = 'pooled' | 'schema' | 'dedicated';

/** Where a tenant's data lives. */
export interface TenantPlacement {
  tenantId: TenantId;
  placement: Placement;
  dataSchema: string;
  databaseUrl?: string;
}

/** A transaction bound to one tenant: search_path, RLS tenant and role are already set. */
export interface TenantTx {
  readonly tenantId: TenantId;
  readonly db: Transaction<TenantDataSchema>;
}

export const CONTROL_SCHEMA = 'tributary';
/** How long a reachability probe waits for a database's answer. */
const REACHABILITY_TIMEOUT_MS = 2000;
export const POOLED_SCHEMA = 'tenant_pooled';

export class UnknownTenantError extends Error {
  constructor(readonly tenantId: string) {
    super(`unknown tenant ${tenantId}`);
  }
}

interface Connection {
  pool: Pool;
  db: Kysely<TenantDataSchema>;
}

// bigint columns hold ids and sequence numbers far below 2^53: read them as numbers.
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

/**
 * The metadata store's connections. `control` is the platform's own connection to the main
 * database; `inTenant` runs a function in a transaction on the tenant's database and schema, as the
 * app role, with the tenant set for row-level security.
 */
export class Database {
  readonly control: Kysely<ControlSchema>;
  private readonly main: Connection;
  private readonly dedicated = new Map<string, Connection>();
  private readonly placements = new Map<string, TenantPlacement>();

  private constructor(
    url: string,
    private readonly appRole: string,
    private readonly poolSize: number,
    private readonly secrets: SecretBox,
  ) {
    this.main = Database.connect(url, poolSize);
    this.control = this.main.db as unknown as Kysely<ControlSchema>;
  }

  /** Connects and brings the control plane and the pooled tenant schema up to date. */
  static async open(opts: { url: string; appRole: string; poolSize: number; secrets: SecretBox }): Promise<Database> {
    const database = new Database(opts.url, opts.appRole, opts.poolSize, opts.secrets);
    try {
      await migrate(database.main.pool, CONTROL_SCHEMA, opts.appRole, controlMigrations);
      await migrate(database.main.pool, POOLED_SCHEMA, opts.appRole, tenantDataMigrations);
    } catch (err) {
      await database.close();
      throw err;
    }
    return database;
  }

  private static connect(url: string, max: number): Connection {
    const pool = new Pool({ connectionString: url, max, types: pgTypes });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    // Nor may that of a client checked out between two statements of a transaction (the pool listens
    // only to idle ones): its connection lost, the transaction's next statement fails instead.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return { pool, db: new Kysely<TenantDataSchema>({ dialect: new PostgresDialect({ pool }) }) };
  }

  /** Creates the tenant's data home (schema or database) and applies the tenant-data migrations. */
  async provision(p: TenantPlacement): Promise<void> {
    const fresh = p.databaseUrl !== undefined && !this.dedicated.has(p.databaseUrl);
    const conn = this.connectionFor(p);
    try {
      await migrate(conn.pool, p.dataSchema, this.appRole, tenantDataMigrations);
      // the pooled outbox is the pooled connector's from the start
      if (p.placement !== 'pooled') await joinOutboxPublication(conn.pool, p.dataSchema);
    } catch (err) {
      // a database that could not be prepared serves no tenant: forget its connection (readiness counts every one kept)
      if (fresh && p.databaseUrl) {
        this.dedicated.delete(p.databaseUrl);
        await conn.db.destroy().catch(() => undefined);
      }
      throw err;
    }
    this.placements.set(p.tenantId, p);
  }

  async inTenant<T>(tenantId: TenantId, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    const placement = await this.placementOf(tenantId);
    const conn = this.connectionFor(placement);
    return conn.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('search_path', ${placement.dataSchema}, true),
                       set_config('tributary.tenant_id', ${tenantId}, true),
                       set_config('role', ${this.appRole}, true)`.execute(trx);
      return fn({ tenantId, db: trx });
    });
  }

  /** A transaction in the control plane, as the app role with RLS for the tenant (API key management). */
  async inControlForTenant<T>(tenantId: TenantId, fn: (trx: Transaction<ControlSchema>) => Promise<T>): Promise<T> {
    return this.control.transaction().execute(async (trx) => {
      await sql`SELECT set_config('tributary.tenant_id', ${tenantId}, true),
                       set_config('role', ${this.appRole}, true)`.execute(trx);
      return fn(trx);
    });
  }

  async placementOf(tenantId: TenantId): Promise<TenantPlacement> {
    const cached = this.placements.get(tenantId);
    if (cached) return cached;
    const row = await this.control.selectFrom('tributary.tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
    if (!row) throw new UnknownTenantError(tenantId);
    const placement: TenantPlacement = {
      tenantId,
      placement: row.placement,
      dataSchema: row.data_schema,
      databaseUrl: row.database_url_sealed ? this.secrets.open(row.database_url_sealed) : undefined,
    };
    this.placements.set(tenantId, placement);
    return placement;
  }

  private connectionFor(p: TenantPlacement): Connection {
    if (p.placement !== 'dedicated' || !p.databaseUrl) return this.main;
    let conn = this.dedicated.get(p.databaseUrl);
    if (!conn) {
      conn = Database.connect(p.databaseUrl, this.poolSize);
      this.dedicated.set(p.databaseUrl, conn);
    }
    return conn;
  }

  /**
   * Whether the main database and each dedicated database in use answer a round trip within
   * `timeoutMs` (a host that drops packets would otherwise keep the caller waiting). What comes back
   * may go to an unauthenticated answer (readiness): problems by class only, dedicated databases
   * counted, never named.
   */
  async reachability(timeoutMs = REACHABILITY_TIMEOUT_MS): Promise<{ main: string | null; dedicated: { total: number; unreachable: number } }> {
    const probe = async (conn: Connection): Promise<string | null> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs); });
      try {
        return await Promise.race([sql`SELECT 1`.execute(conn.db).then(() => null, (err: unknown) => describeDatabaseProblem(err)), late]);
      } finally {
        clearTimeout(timer);
      }
    };
    const [main, ...dedicated] = await Promise.all([this.main, ...this.dedicated.values()].map(probe));
    return { main, dedicated: { total: dedicated.length, unreachable: dedicated.filter((p) => p !== null).length } };
  }

  async close(): Promise<void> {
    const conns = [this.main, ...this.dedicated.values()];
    this.dedicated.clear();
    await Promise.all(conns.map((c) => c.db.destroy()));
  }
}
