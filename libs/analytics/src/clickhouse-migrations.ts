import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { DomainError } from '@tributary/errors';
import { databaseName } from './clickhouse-database';
import { toClickHouseTime } from './clickhouse-time';

/**
 * The analytics schema as code: `clickhouse/migrations/NNNN_name.sql`, plain SQL with `{database}`
 * standing for the database being migrated, run in order and recorded in that database's
 * `schema_migrations` (version, name, applied_at).
 *
 * Two processes may migrate the same database at once: every statement is written to be repeatable
 * (CREATE … IF NOT EXISTS), and a version is recorded only after its statements ran, so a process
 * that stops halfway runs the whole file again next time. Both recording the same version is
 * harmless: the ledger is a ReplacingMergeTree keyed by version.
 */

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The compiled code runs from dist/libs/analytics/src, the specs from libs/analytics/src: walk up to the folder that holds clickhouse/migrations. */
export function migrationsDirectory(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'clickhouse', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) {
      throw new DomainError('unavailable', 'analytics_migrations_missing', `no clickhouse/migrations folder above ${from}`);
    }
  }
}

export function loadMigrations(directory: string = migrationsDirectory()): Migration[] {
  const migrations = readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE.exec(file);
      if (!match) {
        throw new DomainError('unavailable', 'analytics_migration_name', `migration file ${file} is not named NNNN_name.sql`);
      }
      return { version: Number(match[1]), name: match[2], statements: splitStatements(readFileSync(join(directory, file), 'utf8')) };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1].version === m.version) {
      throw new DomainError('unavailable', 'analytics_migration_version', `two migrations have version ${m.version}`);
    }
  });
  return migrations;
}

/** One statement per `;` at a line's end (the client sends one statement per request); `--` comment lines dropped. */
function splitStatements(sql: string): string[] {
  const withoutComments = sql.split('\n').filter((line) => !line.trim().startsWith('--')).join('\n');
  return withoutComments.split(/;\s*$/m).map((s) => s.trim()).filter((s) => s.length > 0);
}

export async function migrateDatabase(client: ClickHouseClient, database: string, migrations: Migration[]): Promise<void> {
  const db = databaseName(database);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC'))
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const applied = new Set(
    (await (await client.query({ query: `SELECT DISTINCT version FROM ${db}.schema_migrations`, format: 'JSONEachRow' })).json<{ version: number }>())
      .map((row) => Number(row.version)),
  );
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements) {
      await client.command({ query: statement.replaceAll('{database}', db) });
    }
    await client.insert({
      table: `${db}.schema_migrations`,
      format: 'JSONEachRow',
      values: [{ version: migration.version, name: migration.name, applied_at: toClickHouseTime(new Date()) }],
    });
  }
}
