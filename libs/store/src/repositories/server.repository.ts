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

  /** When a consumer group of the embedded event log last committed its offset on a stream. */
  async consumerCommittedAt(group: string, stream: string): Promise<Date | undefined> {
    const { rows } = await sql<{ updated_at: Date }>`SELECT updated_at FROM tributary.event_log_offsets
      WHERE group_id = ${group} AND stream = ${stream}`.execute(privileged(this.database));
    return rows[0]?.updated_at;
  }
}
