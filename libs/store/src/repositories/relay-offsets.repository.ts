import { sql } from 'kysely';
import { Database } from '../database';
import { privileged } from '../privileged';
import { TenantId } from '../tenant-id';
import { ChangeEventsRepository } from './change-events.repository';

/**
 * How far the embedded change relay has copied each tenant's outbox into the change log. The offsets
 * are the platform's, not a tenant's: they live in the control plane, on the privileged connection.
 */
export class RelayOffsetsRepository {
  private readonly changes = new ChangeEventsRepository();

  constructor(private readonly database: Database) {}

  /**
   * Runs `move` with the tenant's offset, holding the tenant's relay lock (a transaction-scoped
   * advisory lock) from reading the offset to storing the one `move` returns (undefined leaves it as
   * it is). When another relay holds the lock, `move` does not run.
   */
  async advance(tenantId: TenantId, move: (relayed: number) => Promise<number | undefined>): Promise<void> {
    await privileged(this.database).transaction().execute(async (trx) => {
      const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtextextended(${`relay/${tenantId}`}, 0)) AS ok`.execute(trx);
      if (!rows[0].ok) return;
      const row = await trx.selectFrom('tributary.relay_offsets').select('sequence').where('tenant_id', '=', tenantId).executeTakeFirst();
      const next = await move(row?.sequence ?? 0);
      if (next === undefined) return;
      await trx.insertInto('tributary.relay_offsets').values({ tenant_id: tenantId, sequence: next })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ sequence: next })).execute();
    });
  }

  /** The last sequence number relayed for the tenant; 0 before the first. */
  async relayed(tenantId: TenantId): Promise<number> {
    const row = await privileged(this.database).selectFrom('tributary.relay_offsets').select('sequence')
      .where('tenant_id', '=', tenantId).executeTakeFirst();
    return row?.sequence ?? 0;
  }

  /** The tenant's committed change events the relay has not copied yet. */
  async backlog(tenantId: TenantId): Promise<number> {
    const last = await this.database.inTenant(tenantId, (tx) => this.changes.lastSequence(tx));
    return last - await this.relayed(tenantId);
  }
}
