import { sql } from 'kysely';
import { Database } from '../database';
import { privileged } from '../privileged';

/**
 * What operators and benchmarks ask of the PostgreSQL server itself (its version, its statistics,
 * maintenance, the embedded event log's consumer offsets): never tenant data.
 */
export class ServerRepository {
  constructor(private readonly database: Database) {}

  async version(): Promise<string> {
    return (await sql<{ version: string }>`SELECT version()`.execute(privileged(this.database))).rows[0].version;
  }

  /** The process id of one of the server's backends (its parent is the server). */
  async backendPid(): Promise<number> {
    return (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(privileged(this.database))).rows[0].pid;
  }

  /** ANALYZE (with VACUUM first when asked) of every table of the main database: what autovacuum would do. */
  async analyze({ vacuum }: { vacuum: boolean }): Promise<void> {
    await (vacuum ? sql`VACUUM ANALYZE` : sql`ANALYZE`).execute(privileged(this.database));
  }

  /** How many times autovacuum has vacuumed or analyzed the tables of these names (in any schema). */
  async autovacuumRuns(tables: string[]): Promise<number> {
    const { rows } = await sql<{ runs: number }>`SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0)::int AS runs
      FROM pg_stat_user_tables WHERE relname = ANY(${tables})`.execute(privileged(this.database));
    return rows[0].runs;
  }

  /**
   * Bytes on disk (table, TOAST and indexes: pg_total_relation_size) and exact row counts of the
   * tables of these names, summed over every schema that has one (the shared schema and any dedicated
   * tenant's): what a stored record costs, for the cost model. A table with no rows anywhere is left out.
   */
  async tableFootprint(tables: string[]): Promise<{ table: string; bytes: number; rows: number }[]> {
    // query_to_xml runs the count per schema-qualified table inside this one statement (no dynamic SQL from here)
    const { rows } = await sql<{ table: string; bytes: string; rows: string }>`
      SELECT c.relname AS table, sum(pg_total_relation_size(c.oid))::bigint AS bytes,
        sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint)::bigint AS rows
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = ANY(${tables}) AND c.relkind IN ('r', 'p')
      GROUP BY c.relname ORDER BY c.relname`.execute(privileged(this.database));
    return rows.map((r) => ({ table: r.table, bytes: Number(r.bytes), rows: Number(r.rows) })).filter((r) => r.rows > 0);
  }

  /** Records of one stream in the embedded event log (which holds every stream in one table). */
  async eventLogRecords(stream: string): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM tributary.event_log WHERE stream = ${stream}`.execute(privileged(this.database));
    return Number(rows[0].n);
  }

  /** When a consumer group of the embedded event log last committed its offset on a stream. */
  async consumerCommittedAt(group: string, stream: string): Promise<Date | undefined> {
    const { rows } = await sql<{ updated_at: Date }>`SELECT updated_at FROM tributary.event_log_offsets
      WHERE group_id = ${group} AND stream = ${stream}`.execute(privileged(this.database));
    return rows[0]?.updated_at;
  }
}
