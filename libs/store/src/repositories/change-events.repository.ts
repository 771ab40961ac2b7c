import { sql } from 'kysely';
import { TenantTx } from '../database';

/** One change to tenant data, as written to the outbox in the same transaction as the change. */
export interface NewChangeEvent {
  id: string;
  type: string;
  subject: string;
  time: Date;
  origin: string;
  traceparent: string | null;
  data: Record<string, unknown>;
}

export interface ChangeEvent extends NewChangeEvent {
  sequence: number;
  tenant: string;
}

/**
 * The outbox and change feed. Sequence numbers are per tenant and taken under the tenant's counter row
 * lock, so they are gap-free and commit in order: a reader asking for "after N" never misses an event
 * that commits later with a smaller number. Call `append` last in a transaction, to hold that lock
 * for as short a time as possible.
 */
export class ChangeEventsRepository {
  async append(tx: TenantTx, events: NewChangeEvent[]): Promise<number[]> {
    if (events.length === 0) return [];
    const { last } = await sql<{ last: number }>`
      INSERT INTO tenant_sequences (tenant_id, last_sequence) VALUES (${tx.tenantId}, ${events.length})
      ON CONFLICT (tenant_id) DO UPDATE SET last_sequence = tenant_sequences.last_sequence + ${events.length}
      RETURNING last_sequence AS last`.execute(tx.db).then((r) => r.rows[0]);
    const first = last - events.length + 1;
    // Arrays, not a multi-row VALUES: one statement may carry any number of events (a VALUES list
    // hits PostgreSQL's 65,535-parameter limit at about 7,000 events).
    await sql`
      INSERT INTO change_events (tenant_id, sequence, id, type, subject, time, origin, traceparent, data)
      SELECT ${tx.tenantId}, ${first - 1}::bigint + u.ord, u.id, u.type, u.subject, u.time, u.origin, u.traceparent, u.data
      FROM unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.subject)}::text[],
                  ${events.map((e) => e.time)}::timestamptz[], ${events.map((e) => e.origin)}::text[],
                  ${events.map((e) => e.traceparent)}::text[], ${events.map((e) => JSON.stringify(e.data))}::jsonb[])
        WITH ORDINALITY AS u(id, type, subject, time, origin, traceparent, data, ord)`.execute(tx.db);
    // wakes the embedded change relay at commit (a no-op for Debezium, which reads the WAL)
    await sql`SELECT pg_notify('tributary_changes', ${tx.tenantId})`.execute(tx.db);
    return events.map((_, i) => first + i);
  }

  async listAfter(tx: TenantTx, after: number, limit: number): Promise<ChangeEvent[]> {
    const rows = await tx.db
      .selectFrom('change_events')
      .selectAll()
      .where('tenant_id', '=', tx.tenantId)
      .where('sequence', '>', after)
      .orderBy('sequence')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      sequence: r.sequence, id: r.id, type: r.type, subject: r.subject, time: r.time, origin: r.origin,
      traceparent: r.traceparent, data: r.data, tenant: r.tenant_id,
    }));
  }
}
