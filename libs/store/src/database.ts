import { Kysely, PostgresDialect, sql, Transaction } from 'kysely';
import { Pool, types } from 'pg';
import { controlMigrations } from './migrations/control.migrations';
import { migrate } from './migrations/migrator';
import { joinOutboxPublication } from './migrations/outbox-publication';
import { tenantDataMigrations } from './migrations/tenant-data.migrations';
import { describeDatabaseProblem } from './database-errors';
import { holdPrivileged, privileged } from './privileged';
import { ControlSchema, TenantDataSchema } from './schema';
import { SecretBox } from './secret-box';
import { pgSessionOptions, SessionLimits } from './session-limits';
import { TenantId } from './tenant-id';
import { ensureTenantLogin, managedTenantLogin, ResolvedTenantLogin, TenantLogin, withLogin } from './tenant-login';

export type { TenantLogin } from './tenant-login';

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

interface Login {
  pool: Pool;
  db: Kysely<TenantDataSchema>;
}

/**
 * One database, reached by two logins: `privileged`, the platform's own (it owns the schemas, runs
 * the migrations and reads the control plane across tenants), and `tenant`, a login with neither
 * SUPERUSER nor BYPASSRLS that every tenant transaction runs on, so that row-level security holds
 * even for a transaction that resets its role or forgets to set it.
 */
interface Connection {
  privileged: Login;
  tenant: Login;
}

// bigint columns hold ids and sequence numbers far below 2^53: read them as numbers.
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

/**
 * The metadata store's connections. `inTenant` runs a function in a transaction on the tenant's
 * database and schema, on the tenant login, as the app role, with the tenant set for row-level
 * security. The privileged connection never leaves libs/store (see `privileged.ts`).
 */
export class Database {
  // ES private: not even a type cast reaches the connections from outside
  readonly #main: Connection;
  readonly #dedicated = new Map<string, Connection>();
  private readonly placements = new Map<string, TenantPlacement>();

  private constructor(
    url: string,
    private readonly appRole: string,
    private readonly poolSize: number,
    private readonly secrets: SecretBox,
    private readonly login: ResolvedTenantLogin,
    private readonly limits: SessionLimits | undefined,
  ) {
    this.#main = this.logins(url);
    holdPrivileged(this, this.#main.privileged.db as unknown as Kysely<ControlSchema>);
  }

  /**
   * Connects and brings the control plane and the pooled tenant schema up to date. `tenantLogin`
   * names the login tenant transactions use; without it the store makes and keeps its own. `limits`
   * bound every connection of the store, the dedicated tenants' too (none when absent: tools and tests).
   */
  static async open(opts: { url: string; appRole: string; poolSize: number; secrets: SecretBox; tenantLogin?: TenantLogin; limits?: SessionLimits }): Promise<Database> {
    const login = opts.tenantLogin ? { ...opts.tenantLogin, managed: false } : managedTenantLogin(opts.appRole, opts.secrets);
    const database = new Database(opts.url, opts.appRole, opts.poolSize, opts.secrets, login, opts.limits);
    const main = database.#main;
    try {
      await migrate(main.privileged.pool, CONTROL_SCHEMA, opts.appRole, controlMigrations);
      await migrate(main.privileged.pool, POOLED_SCHEMA, opts.appRole, tenantDataMigrations);
      await ensureTenantLogin(main.privileged.pool, main.tenant.pool, opts.appRole, login);
    } catch (err) {
      await database.close();
      throw err;
    }
    return database;
  }

  /** Both logins to the database at `url`. */
  private logins(url: string): Connection {
    return { privileged: this.connect(url), tenant: this.connect(withLogin(url, this.login)) };
  }

  private connect(url: string): Login {
    const pool = new Pool({ connectionString: url, max: this.poolSize, types: pgTypes, ...(this.limits && pgSessionOptions(this.limits)) });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    // Nor may that of a client checked out between two statements of a transaction (the pool listens
    // only to idle ones): its connection lost, the transaction's next statement fails instead.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return { pool, db: new Kysely<TenantDataSchema>({ dialect: new PostgresDialect({ pool }) }) };
  }

  /** Creates the tenant's data home (schema or database) and applies the tenant-data migrations. */
  async provision(p: TenantPlacement): Promise<void> {
    const fresh = p.databaseUrl !== undefined && !this.#dedicated.has(p.databaseUrl);
    const conn = this.connectionFor(p);
    try {
      await migrate(conn.privileged.pool, p.dataSchema, this.appRole, tenantDataMigrations);
      // the pooled outbox is the pooled connector's from the start
      if (p.placement !== 'pooled') await joinOutboxPublication(conn.privileged.pool, p.dataSchema);
      // another server may not have the tenant login yet
      if (conn !== this.#main) await ensureTenantLogin(conn.privileged.pool, conn.tenant.pool, this.appRole, this.login);
    } catch (err) {
      // a database that could not be prepared serves no tenant: forget its connection (readiness counts every one kept)
      if (fresh && p.databaseUrl) {
        this.#dedicated.delete(p.databaseUrl);
        await Promise.all([conn.privileged.db.destroy(), conn.tenant.db.destroy()]).catch(() => undefined);
      }
      throw err;
    }
    this.placements.set(p.tenantId, p);
  }

  async inTenant<T>(tenantId: TenantId, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    const placement = await this.placementOf(tenantId);
    const conn = this.connectionFor(placement);
    return conn.tenant.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('search_path', ${placement.dataSchema}, true),
                       set_config('tributary.tenant_id', ${tenantId}, true),
                       set_config('role', ${this.appRole}, true)`.execute(trx);
      return fn({ tenantId, db: trx });
    });
  }

  /** A transaction in the control plane, as the app role with RLS for the tenant (API key management). */
  async inControlForTenant<T>(tenantId: TenantId, fn: (trx: Transaction<ControlSchema>) => Promise<T>): Promise<T> {
    const control = this.#main.tenant.db as unknown as Kysely<ControlSchema>;
    return control.transaction().execute(async (trx) => {
      await sql`SELECT set_config('tributary.tenant_id', ${tenantId}, true),
                       set_config('role', ${this.appRole}, true)`.execute(trx);
      return fn(trx);
    });
  }

  async placementOf(tenantId: TenantId): Promise<TenantPlacement> {
    const cached = this.placements.get(tenantId);
    if (cached) return cached;
    const row = await privileged(this).selectFrom('tributary.tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
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
    if (p.placement !== 'dedicated' || !p.databaseUrl) return this.#main;
    let conn = this.#dedicated.get(p.databaseUrl);
    if (!conn) {
      conn = this.logins(p.databaseUrl);
      this.#dedicated.set(p.databaseUrl, conn);
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
        return await Promise.race([sql`SELECT 1`.execute(conn.privileged.db).then(() => null, (err: unknown) => describeDatabaseProblem(err)), late]);
      } finally {
        clearTimeout(timer);
      }
    };
    const [main, ...dedicated] = await Promise.all([this.#main, ...this.#dedicated.values()].map(probe));
    return { main, dedicated: { total: dedicated.length, unreachable: dedicated.filter((p) => p !== null).length } };
  }

  async close(): Promise<void> {
    const conns = [this.#main, ...this.#dedicated.values()];
    this.#dedicated.clear();
    await Promise.all(conns.flatMap((c) => [c.privileged.db.destroy(), c.tenant.db.destroy()]));
  }
}
