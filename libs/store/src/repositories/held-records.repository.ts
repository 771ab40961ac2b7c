import { Kysely, sql } from 'kysely';
import { Database } from '../database';
import { privileged } from '../privileged';
import { ControlSchema } from '../schema';
import { TenantId } from '../tenant-id';

/** A log record held back for its tenant, as the consumer read it. */
export interface HeldRecord {
  tenantId: TenantId;
  offset: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  appendedAt: Date;
}

/** The wait before a held tenant's next retry: `baseMs` after its first failure, doubling, at most `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface HeldTenantSummary {
  group: string;
  stream: string;
  tenantId: TenantId;
  records: number;
  failures: number;
}

/**
 * Records held back per consumer group, stream and tenant (control schema, see the migration), and
 * each held tenant's backoff and drain lease. A tenant is held while it has held records.
 */
export class HeldRecordsRepository {
  constructor(private readonly database: Database) {}

  /** Which of these tenants have records held in the group's stream. */
  async heldAmong(group: string, stream: string, tenantIds: TenantId[]): Promise<Set<TenantId>> {
    if (tenantIds.length === 0) return new Set();
    // one index probe per tenant of the batch
    const { rows } = await sql<{ tenant_id: TenantId }>`
      SELECT t.tenant_id FROM unnest(${tenantIds}::text[]) AS t (tenant_id)
      WHERE EXISTS (SELECT 1 FROM tributary.held_records r WHERE r.group_id = ${group} AND r.stream = ${stream} AND r.tenant_id = t.tenant_id)`
      .execute(privileged(this.database));
    return new Set(rows.map((r) => r.tenant_id));
  }

  /**
   * Holds records behind the tenant's others, in the order given (a record held before is left as it
   * is). With a failure the tenant's next retry waits its backoff; without one (held because others
   * are), its schedule is left alone.
   */
  async hold(group: string, stream: string, tenantId: TenantId, records: HeldRecord[], failure: { error: string; backoff: Backoff } | null): Promise<void> {
    await privileged(this.database).transaction().execute(async (trx) => {
      if (records.length > 0) {
        await trx.insertInto('tributary.held_records').values(records.map((r) => ({
          group_id: group, stream, tenant_id: tenantId, record_offset: r.offset, key: r.key, value: r.value,
          headers: JSON.stringify(r.headers), appended_at: r.appendedAt,
        }))).onConflict((oc) => oc.columns(['group_id', 'stream', 'record_offset']).doNothing()).execute();
      }
      if (failure) {
        await this.failed(trx, group, stream, tenantId, failure.error, failure.backoff);
      } else {
        await trx.insertInto('tributary.held_tenants').values({ group_id: group, stream, tenant_id: tenantId })
          .onConflict((oc) => oc.columns(['group_id', 'stream', 'tenant_id']).doNothing()).execute();
      }
    });
  }

  /** Held tenants whose retry is due and that no retrier is draining, the longest due first. */
  async due(group: string, stream: string, limit: number): Promise<TenantId[]> {
    const { rows } = await sql<{ tenant_id: TenantId }>`
      SELECT r.tenant_id
      FROM (SELECT DISTINCT tenant_id FROM tributary.held_records WHERE group_id = ${group} AND stream = ${stream}) r
      LEFT JOIN tributary.held_tenants t ON t.group_id = ${group} AND t.stream = ${stream} AND t.tenant_id = r.tenant_id
      WHERE t.tenant_id IS NULL OR (t.retry_at <= now() AND (t.drained_until IS NULL OR t.drained_until < now()))
      ORDER BY t.retry_at NULLS FIRST
      LIMIT ${limit}`.execute(privileged(this.database));
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Takes the tenant's drain lease for `leaseMs`: false when its retry is not due or another retrier
   * holds the lease. One retrier at a time keeps the tenant's records in order.
   */
  async claim(group: string, stream: string, tenantId: TenantId, leaseMs: number): Promise<boolean> {
    const until = sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`;
    const row = await privileged(this.database).insertInto('tributary.held_tenants')
      .values({ group_id: group, stream, tenant_id: tenantId, drained_until: until })
      .onConflict((oc) => oc.columns(['group_id', 'stream', 'tenant_id']).doUpdateSet({ drained_until: until })
        .where((eb) => eb.and([eb('tributary.held_tenants.retry_at', '<=', sql<Date>`now()`),
          eb.or([eb('tributary.held_tenants.drained_until', 'is', null), eb('tributary.held_tenants.drained_until', '<', sql<Date>`now()`)])])))
      .returning('tenant_id').executeTakeFirst();
    return row !== undefined;
  }

  /** The tenant's first `limit` held records, in the order they were held. */
  async oldest(group: string, stream: string, tenantId: TenantId, limit: number): Promise<HeldRecord[]> {
    const rows = await privileged(this.database).selectFrom('tributary.held_records').selectAll()
      .where('group_id', '=', group).where('stream', '=', stream).where('tenant_id', '=', tenantId)
      .orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ tenantId: r.tenant_id as TenantId, offset: r.record_offset, key: r.key, value: r.value, headers: r.headers, appendedAt: r.appended_at }));
  }

  /**
   * These records were handled: they go, the tenant's backoff starts over and its lease is let go;
   * with nothing left held, the tenant is no longer held.
   */
  async release(group: string, stream: string, tenantId: TenantId, offsets: string[]): Promise<void> {
    await privileged(this.database).transaction().execute(async (trx) => {
      if (offsets.length > 0) {
        await trx.deleteFrom('tributary.held_records').where('group_id', '=', group).where('stream', '=', stream)
          .where('tenant_id', '=', tenantId).where('record_offset', 'in', offsets).execute();
      }
      await trx.updateTable('tributary.held_tenants').set({ failures: 0, retry_at: sql`now()`, drained_until: null, last_error: null })
        .where('group_id', '=', group).where('stream', '=', stream).where('tenant_id', '=', tenantId).execute();
      // a record held meanwhile (not yet visible here) is found by due() without its tenant's row
      await trx.deleteFrom('tributary.held_tenants').where('group_id', '=', group).where('stream', '=', stream).where('tenant_id', '=', tenantId)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('tributary.held_records').select(sql`1`.as('one'))
          .where('group_id', '=', group).where('stream', '=', stream).where('tenant_id', '=', tenantId)))).execute();
    });
  }

  /** Handling the tenant's held records failed again: its next retry waits longer; its lease is let go. */
  async fail(group: string, stream: string, tenantId: TenantId, error: string, backoff: Backoff): Promise<void> {
    await this.failed(privileged(this.database), group, stream, tenantId, error, backoff);
  }

  /** How many tenants have records held in the group's stream. */
  async tenantCount(group: string, stream: string): Promise<number> {
    const row = await privileged(this.database).selectFrom('tributary.held_records')
      .select((eb) => eb.fn.count<number>('tenant_id').distinct().as('n'))
      .where('group_id', '=', group).where('stream', '=', stream).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Held records and failures per group, stream and tenant (metrics). */
  async summary(): Promise<HeldTenantSummary[]> {
    const { rows } = await sql<{ group_id: string; stream: string; tenant_id: TenantId; records: number; failures: number | null }>`
      SELECT r.group_id, r.stream, r.tenant_id, r.records, t.failures
      FROM (SELECT group_id, stream, tenant_id, count(*)::int AS records FROM tributary.held_records GROUP BY 1, 2, 3) r
      LEFT JOIN tributary.held_tenants t USING (group_id, stream, tenant_id)`.execute(privileged(this.database));
    return rows.map((r) => ({ group: r.group_id, stream: r.stream, tenantId: r.tenant_id, records: r.records, failures: r.failures ?? 0 }));
  }

  private async failed(db: Kysely<ControlSchema>, group: string, stream: string, tenantId: TenantId, error: string, backoff: Backoff): Promise<void> {
    // after n failures in a row the wait is baseMs * 2^(n-1), at most maxMs (the exponent is bounded so the product cannot overflow)
    await db.insertInto('tributary.held_tenants')
      .values({ group_id: group, stream, tenant_id: tenantId, failures: 1, last_error: error,
        retry_at: sql`now() + ${Math.min(backoff.baseMs, backoff.maxMs)} * interval '1 millisecond'` })
      .onConflict((oc) => oc.columns(['group_id', 'stream', 'tenant_id']).doUpdateSet({
        failures: sql`tributary.held_tenants.failures + 1`, last_error: error, drained_until: null,
        retry_at: sql`now() + least(${backoff.maxMs}::float8, ${backoff.baseMs}::float8 * 2 ^ least(tributary.held_tenants.failures, 30)) * interval '1 millisecond'`,
      })).execute();
  }
}
