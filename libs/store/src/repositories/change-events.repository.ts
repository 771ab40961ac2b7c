import { sql } from 'kysely';
import { changeEventCodec } from '@tributary/contracts';
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
  /** the change log body as stored with the row; null on rows written before the body was stored */
  payload: Buffer | null;
}

/**
 * The change log body of an outbox row: the Avro single-object ChangeEvent that the embedded relay and
 * Debezium both publish as the record value. Throws AvroEncodeError naming the invalid fields.
 */
export function changeEventPayload(tenant: string, sequence: number, e: NewChangeEvent, data = JSON.stringify(e.data)): Buffer {
  return changeEventCodec.encode({ id: e.id, tenant, sequence, type: e.type, subject: e.subject, time: e.time, origin: e.origin,
    traceparent: e.traceparent, data });
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
    // One pass builds every column (a rule's fan-out writes up to 100k events here): the JSON text
    // serves both the jsonb column and the Avro body.
    const n = events.length;
    const cols = { id: new Array<string>(n), type: new Array<string>(n), subject: new Array<string>(n), time: new Array<Date>(n),
      origin: new Array<string>(n), traceparent: new Array<string | null>(n), data: new Array<string>(n), payload: new Array<Buffer>(n) };
    for (let i = 0; i < n; i++) {
      const e = events[i];
      const data = JSON.stringify(e.data);
      cols.id[i] = e.id; cols.type[i] = e.type; cols.subject[i] = e.subject; cols.time[i] = e.time;
      cols.origin[i] = e.origin; cols.traceparent[i] = e.traceparent; cols.data[i] = data;
      cols.payload[i] = changeEventPayload(tx.tenantId, first + i, e, data);
    }
    // Arrays, not a multi-row VALUES: one statement may carry any number of events (a VALUES list
    // hits PostgreSQL's 65,535-parameter limit at about 7,000 events).
    await sql`
      INSERT INTO change_events (tenant_id, sequence, id, type, subject, time, origin, traceparent, data, payload)
      SELECT ${tx.tenantId}, ${first - 1}::bigint + u.ord, u.id, u.type, u.subject, u.time, u.origin, u.traceparent, u.data, u.payload
      FROM unnest(${cols.id}::uuid[], ${cols.type}::text[], ${cols.subject}::text[], ${cols.time}::timestamptz[], ${cols.origin}::text[],
                  ${cols.traceparent}::text[], ${cols.data}::jsonb[], ${cols.payload}::bytea[])
        WITH ORDINALITY AS u(id, type, subject, time, origin, traceparent, data, payload, ord)`.execute(tx.db);
    // wakes the embedded change relay at commit (a no-op for Debezium, which reads the WAL)
    await sql`SELECT pg_notify('tributary_changes', ${tx.tenantId})`.execute(tx.db);
    return events.map((_, i) => first + i);
  }

  /**
   * The first sequence the feed still holds; when it holds none, the next one to be written.
   * Retention prunes the outbox from its oldest end only, so every sequence from this one on is there.
   */
  async firstRetained(tx: TenantTx): Promise<number> {
    const { rows } = await sql<{ first: number }>`
      SELECT coalesce((SELECT min(sequence) FROM change_events WHERE tenant_id = ${tx.tenantId}),
                      (SELECT last_sequence + 1 FROM tenant_sequences WHERE tenant_id = ${tx.tenantId}), 1) AS first`.execute(tx.db);
    return rows[0].first;
  }

  /** The tenant's last committed sequence number (0 before its first event), pruned events included. */
  async lastSequence(tx: TenantTx): Promise<number> {
    const r = await tx.db.selectFrom('tenant_sequences').select('last_sequence').where('tenant_id', '=', tx.tenantId).executeTakeFirst();
    return r?.last_sequence ?? 0;
  }

  /**
   * Every `asset.owner.deactivated` event of one owner loss (their `data.loss`), by sequence: they
   * commit in one transaction, so whoever reads one of them finds them all (migration 19's index).
   */
  async ofOwnerLoss(tx: TenantTx, lossId: string): Promise<ChangeEvent[]> {
    const rows = await sql<ChangeEvent>`SELECT sequence::float8 AS sequence, id, type, subject, time, origin, traceparent, data, tenant_id AS tenant,
        NULL::bytea AS payload
      FROM change_events WHERE tenant_id = ${tx.tenantId} AND type = 'asset.owner.deactivated' AND data->>'loss' = ${lossId}
      ORDER BY sequence`.execute(tx.db);
    return rows.rows;
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
      traceparent: r.traceparent, data: r.data, tenant: r.tenant_id, payload: r.payload,
    }));
  }
}
