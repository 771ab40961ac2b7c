import { Pool } from 'pg';
import { Migration } from './migration';

/**
 * Applies versioned migrations to one schema, once. A transaction-scoped advisory lock on the schema
 * name lets several processes start at the same time: one migrates, the others wait and find nothing
 * left to do.
 */
export async function migrate(pool: Pool, schema: string, appRole: string, migrations: Migration[]): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Migrations may rebuild large tables, and the processes starting meanwhile wait on this lock for
    // as long: neither is bound by the session's statement timeout.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tributary.migrate.${schema}`]);
    await ensureAppRole(client, appRole);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set<number>(
      (await client.query(`SELECT version FROM ${schema}.schema_migrations`)).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(schema, appRole));
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The app role owns nothing and logs in as nobody: the tables grant it what tenants may do, and
 * tenant transactions switch to it with SET LOCAL ROLE, on the tenant login that is its member
 * (`tenant-login.ts`), so RLS applies to them and to nothing more privileged.
 */
async function ensureAppRole(client: { query: (q: string) => Promise<unknown> }, role: string): Promise<void> {
  await client.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migrator won the race
  END $$`);
  await client.query(`GRANT ${role} TO CURRENT_USER`);
}
