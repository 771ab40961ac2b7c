import { sql } from 'kysely';
import { Database } from '../database';
import { TenantId } from '../tenant-id';

/** The embedded change relay's position in each tenant's change feed (Debezium keeps its own). */
export class RelayOffsetsRepository {
  constructor(private readonly database: Database) {}

  /** Every tenant, in id order: the relay's round. */
  async tenantIds(): Promise<TenantId[]> {
    return (await this.database.control.selectFrom('tributary.tenants').select('id').orderBy('id').execute()).map((r) => r.id as TenantId);
  }

  /**
   * Runs `relay` from the tenant's position and stores the position it returns (null: nothing
   * moved), holding the tenant's advisory lock from reading the position to storing it; when another
   * relay holds it, returns null without running `relay`. So two relays never append the same
   * changes twice nor move a position back, and a relay that dies mid-way loses the lock with its
   * connection (what it appended is appended again: at least once). An advisory lock, not a row
   * lock: a row lock gives the transaction an id before the append commits, and the embedded event
   * log's readers see nothing newer than the oldest transaction in progress, so they would miss the
   * append's wake-up and find it only at their next poll.
   */
  async advance(tenantId: TenantId, relay: (after: number) => Promise<number | null>): Promise<number | null> {
    return this.database.control.transaction().execute(async (trx) => {
      const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtextextended(${`relay/${tenantId}`}, 0)) AS ok`.execute(trx);
      if (!rows[0].ok) return null;
      const row = await trx.selectFrom('tributary.relay_offsets').select('sequence').where('tenant_id', '=', tenantId).executeTakeFirst();
      const next = await relay(row?.sequence ?? 0);
      if (next === null) return null;
      await trx.insertInto('tributary.relay_offsets').values({ tenant_id: tenantId, sequence: next })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ sequence: next })).execute();
      return next;
    });
  }
}
