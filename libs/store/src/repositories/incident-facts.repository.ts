import { sql } from 'kysely';
import { incidentFactCodec, IncidentFactRecord } from '@tributary/contracts';
import { TenantTx } from '../database';

/** A row of the incident-facts outbox, as the relay reads it. */
export interface StoredIncidentFact {
  sequence: number;
  id: string;
  /** tenant/incident: an incident's facts share a key, so they keep their order on a partition */
  key: string;
  time: Date;
  traceparent: string | null;
  /** Avro single-object IncidentFact */
  payload: Buffer;
}

/** A fact to write: its body without the tenant (the transaction's), and the trace context of its change. */
export type NewIncidentFact = Omit<IncidentFactRecord, 'tenant'> & { traceparent: string | null };

export const incidentFactKey = (tenant: string, incidentId: string): string => `${tenant}/${incidentId}`;

/**
 * The incident-facts outbox. A fact is written in the transaction of its change event and takes
 * that event's sequence, so the facts commit in sequence order too, and a reader asking for the
 * facts up to a change-log position it has read never misses one that commits later.
 */
export class IncidentFactsRepository {
  /** Encodes (AvroEncodeError names an invalid field) and stores the facts; their tenant is the transaction's. */
  async append(tx: TenantTx, facts: NewIncidentFact[]): Promise<void> {
    if (facts.length === 0) return;
    const rows = facts.map(({ traceparent, ...f }) => ({
      sequence: f.sequence, id: f.id, key: incidentFactKey(tx.tenantId, f.incidentId), time: f.time, traceparent,
      payload: incidentFactCodec.encode({ ...f, tenant: tx.tenantId }),
    }));
    await sql`
      INSERT INTO incident_facts (tenant_id, sequence, id, key, time, traceparent, payload)
      SELECT ${tx.tenantId}, u.sequence, u.id, u.key, u.time, u.traceparent, u.payload
      FROM unnest(${rows.map((r) => r.sequence)}::bigint[], ${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.key)}::text[],
                  ${rows.map((r) => r.time)}::timestamptz[], ${rows.map((r) => r.traceparent)}::text[], ${rows.map((r) => r.payload)}::bytea[])
        AS u(sequence, id, key, time, traceparent, payload)`.execute(tx.db);
  }

  /** The facts with a sequence in (after, upTo], in order. */
  async listBetween(tx: TenantTx, after: number, upTo: number): Promise<StoredIncidentFact[]> {
    return tx.db.selectFrom('incident_facts').select(['sequence', 'id', 'key', 'time', 'traceparent', 'payload'])
      .where('tenant_id', '=', tx.tenantId).where('sequence', '>', after).where('sequence', '<=', upTo)
      .orderBy('sequence').execute();
  }
}
