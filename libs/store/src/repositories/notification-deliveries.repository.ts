import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { TenantTx } from '../database';

export type DeliveryStatus = 'pending' | 'sent' | 'retrying' | 'parked';

/** One try to tell the destination, as the deliveries API shows it. */
export interface DeliveryAttempt {
  at: string;
  /** `sent`, `failed` (tried again later), `rate_limited` (waits out the destination), `parked` */
  outcome: 'sent' | 'failed' | 'rate_limited' | 'parked';
  /** the destination's answer in its own words: a status, an error code, an issue key (never a secret) */
  answer: string;
}

export interface DeliveryRow {
  id: string;
  ruleId: string;
  connectorId: string;
  /** the incident it tells of; null for an owner-loss delivery */
  incidentId: string | null;
  /** the owner loss it tells of (a notify rule on asset.owner.deactivated); null for an incident's */
  ownerLoss: string | null;
  /** an owner-loss delivery's notice, as planned (OwnerLossPlan); null for an incident's */
  notice: Record<string, unknown> | null;
  digest: boolean;
  wantedSequence: number;
  sentSequence: number;
  sentStatus: 'open' | 'resolved' | null;
  ref: Record<string, string> | null;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  attemptCount: number;
  limitedCount: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What one send of the delivery did, to record. */
export type DeliveryOutcome =
  | { kind: 'sent'; sequence: number; status: 'open' | 'resolved' | null; ref: Record<string, string> | null; answer: string }
  | { kind: 'failed'; answer: string; nextAttemptAt: Date }
  | { kind: 'rate_limited'; answer: string; nextAttemptAt: Date }
  | { kind: 'parked'; answer: string };

/** How many attempts a delivery keeps for the API: the newest ones. */
const KEPT_ATTEMPTS = 20;

const columns = sql`id, rule_id AS "ruleId", connector_id AS "connectorId", incident_id AS "incidentId", owner_loss AS "ownerLoss", notice, digest,
  wanted_sequence::float8 AS "wantedSequence", sent_sequence::float8 AS "sentSequence", sent_status AS "sentStatus", ref, status, attempts,
  attempt_count AS "attemptCount", limited_count AS "limitedCount", next_attempt_at AS "nextAttemptAt",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The notification deliveries: one per (rule, incident, target connector), see migration 16, or per (rule, owner loss, connector), migration 19. */
export class NotificationDeliveriesRepository {
  /**
   * Each (rule, incident, connector) must show at least this change: the row is made on the first,
   * and its wanted sequence only ever rises (a redelivered or older change leaves it). Returns the
   * deliveries that now have something to send, with whether they are digested.
   */
  async want(tx: TenantTx, wants: { ruleId: string; connectorId: string; incidentId: string; digest: boolean; sequence: number }[]):
    Promise<{ id: string; ruleId: string; connectorId: string; digest: boolean; wantedSequence: number }[]> {
    if (wants.length === 0) return [];
    const rows = await sql<{ id: string; ruleId: string; connectorId: string; digest: boolean; wantedSequence: number }>`
      INSERT INTO notification_deliveries AS d (tenant_id, id, rule_id, connector_id, incident_id, digest, wanted_sequence, status)
      SELECT ${tx.tenantId}, u.id, u.rule_id, u.connector_id, u.incident_id, u.digest, u.sequence, 'pending'
      FROM unnest(${wants.map(() => randomUUID())}::uuid[], ${wants.map((w) => w.ruleId)}::text[], ${wants.map((w) => w.connectorId)}::uuid[],
                  ${wants.map((w) => w.incidentId)}::uuid[], ${wants.map((w) => w.digest)}::boolean[], ${wants.map((w) => w.sequence)}::bigint[])
        AS u(id, rule_id, connector_id, incident_id, digest, sequence)
      ON CONFLICT (tenant_id, rule_id, incident_id, connector_id) DO UPDATE
        SET wanted_sequence = GREATEST(d.wanted_sequence, excluded.wanted_sequence), digest = excluded.digest,
            status = CASE WHEN excluded.wanted_sequence > d.sent_sequence AND d.status = 'sent' THEN 'pending' ELSE d.status END,
            updated_at = date_trunc('milliseconds', now())
      RETURNING d.id, d.rule_id AS "ruleId", d.connector_id AS "connectorId", d.digest, d.wanted_sequence::float8 AS "wantedSequence"`.execute(tx.db);
    return rows.rows;
  }

  /**
   * Each (rule, owner loss, connector) is told once, with the notice planned from every event of the
   * loss: the row is made by the first plan, and a later one (a replay, the loss's events met again in
   * another batch) finds it and changes nothing. Returns the deliveries, made now or before, for
   * their jobs (a job of one already sent skips it).
   */
  async wantOwnerLoss(tx: TenantTx, wants: { ruleId: string; connectorId: string; lossId: string; sequence: number; notice: Record<string, unknown> }[]):
    Promise<{ id: string; wantedSequence: number }[]> {
    if (wants.length === 0) return [];
    const rows = await sql<{ id: string; wantedSequence: number }>`
      INSERT INTO notification_deliveries AS d (tenant_id, id, rule_id, connector_id, owner_loss, notice, digest, wanted_sequence, status)
      SELECT ${tx.tenantId}, u.id, u.rule_id, u.connector_id, u.owner_loss, u.notice, false, u.sequence, 'pending'
      FROM unnest(${wants.map(() => randomUUID())}::uuid[], ${wants.map((w) => w.ruleId)}::text[], ${wants.map((w) => w.connectorId)}::uuid[],
                  ${wants.map((w) => w.lossId)}::uuid[], ${wants.map((w) => JSON.stringify(w.notice))}::jsonb[], ${wants.map((w) => w.sequence)}::bigint[])
        AS u(id, rule_id, connector_id, owner_loss, notice, sequence)
      -- the no-op update makes RETURNING give the row that was there
      ON CONFLICT (tenant_id, rule_id, owner_loss, connector_id) WHERE owner_loss IS NOT NULL DO UPDATE SET wanted_sequence = d.wanted_sequence
      RETURNING d.id, d.wanted_sequence::float8 AS "wantedSequence"`.execute(tx.db);
    return rows.rows;
  }

  async get(tx: TenantTx, id: string, lock = false): Promise<DeliveryRow | undefined> {
    const rows = await sql<DeliveryRow>`SELECT ${columns} FROM notification_deliveries
      WHERE tenant_id = ${tx.tenantId} AND id = ${id}::uuid ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx.db);
    return rows.rows[0];
  }

  /**
   * Claims a delivery for one sending job for `leaseMs`: two jobs of one delivery (two changes, each
   * its own job) never send at once, and the later one sees what the first recorded. `busy` while
   * another job holds it; undefined when there is no such delivery. No connection is held while the
   * destination is called: the claim is a lease, so a job that died lets go when it ends.
   */
  async claim(tx: TenantTx, id: string, leaseMs: number): Promise<DeliveryRow | 'busy' | undefined> {
    const rows = await sql<DeliveryRow>`UPDATE notification_deliveries SET claimed_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
      WHERE tenant_id = ${tx.tenantId} AND id = ${id}::uuid AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
      RETURNING ${columns}`.execute(tx.db);
    if (rows.rows[0]) return rows.rows[0];
    return (await this.get(tx, id)) ? 'busy' : undefined;
  }

  /** Claims (as `claim`) the deliveries of a digest rule and connector with a change still to send that no job holds, oldest first. */
  async claimPending(tx: TenantTx, ruleId: string, connectorId: string, limit: number, leaseMs: number): Promise<DeliveryRow[]> {
    const rows = await sql<DeliveryRow>`UPDATE notification_deliveries SET claimed_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
      WHERE tenant_id = ${tx.tenantId} AND id IN (
        SELECT id FROM notification_deliveries
        WHERE tenant_id = ${tx.tenantId} AND rule_id = ${ruleId} AND connector_id = ${connectorId}::uuid
          AND wanted_sequence > sent_sequence AND status <> 'parked' AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
        ORDER BY created_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${columns}`.execute(tx.db);
    return rows.rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  /** Lets go of claims (a job done with them without recording a send). */
  async release(tx: TenantTx, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`UPDATE notification_deliveries SET claimed_until = NULL WHERE tenant_id = ${tx.tenantId} AND id = ANY (${ids}::uuid[])`.execute(tx.db);
  }

  /** Records what a send did to these deliveries; a sent one shows `sequence` from now on. */
  async record(tx: TenantTx, ids: string[], outcome: DeliveryOutcome): Promise<void> {
    if (ids.length === 0) return;
    const attempt: DeliveryAttempt = { at: new Date().toISOString(), outcome: outcome.kind, answer: outcome.answer };
    const common = sql`attempts = (jsonb_build_array(${JSON.stringify(attempt)}::jsonb) || attempts) - ${KEPT_ATTEMPTS},
      attempt_count = attempt_count + 1, claimed_until = NULL, updated_at = date_trunc('milliseconds', now())`;
    const where = sql`WHERE tenant_id = ${tx.tenantId} AND id = ANY (${ids}::uuid[])`;
    switch (outcome.kind) {
      case 'sent':
        await sql`UPDATE notification_deliveries SET ${common}, sent_sequence = GREATEST(sent_sequence, ${outcome.sequence}),
            sent_status = ${outcome.status}, ref = COALESCE(${outcome.ref === null ? null : JSON.stringify(outcome.ref)}::jsonb, ref),
            status = CASE WHEN wanted_sequence > GREATEST(sent_sequence, ${outcome.sequence}) THEN 'pending' ELSE 'sent' END,
            limited_count = 0, next_attempt_at = NULL ${where}`.execute(tx.db);
        return;
      case 'failed':
        await sql`UPDATE notification_deliveries SET ${common}, status = 'retrying', next_attempt_at = ${outcome.nextAttemptAt} ${where}`.execute(tx.db);
        return;
      case 'rate_limited':
        await sql`UPDATE notification_deliveries SET ${common}, status = 'retrying', limited_count = limited_count + 1,
            next_attempt_at = ${outcome.nextAttemptAt} ${where}`.execute(tx.db);
        return;
      case 'parked':
        await sql`UPDATE notification_deliveries SET ${common}, status = 'parked', next_attempt_at = NULL ${where}`.execute(tx.db);
    }
  }

  /** A parked delivery goes back to pending (its dead letter was replayed). */
  async unpark(tx: TenantTx, id: string): Promise<DeliveryRow | undefined> {
    await sql`UPDATE notification_deliveries SET status = 'pending', updated_at = date_trunc('milliseconds', now())
      WHERE tenant_id = ${tx.tenantId} AND id = ${id}::uuid AND status = 'parked'`.execute(tx.db);
    return this.get(tx, id);
  }

  /** Newest first, keyset-paged by (created_at, id), optionally of one connector, status or incident. */
  async list(tx: TenantTx, q: { connectorId?: string; status?: DeliveryStatus; incidentId?: string; ownerLoss?: string; limit: number;
    before?: { createdAt: Date; id: string } }): Promise<DeliveryRow[]> {
    const rows = await sql<DeliveryRow>`SELECT ${columns} FROM notification_deliveries
      WHERE tenant_id = ${tx.tenantId}
        ${q.connectorId ? sql`AND connector_id = ${q.connectorId}::uuid` : sql``}
        ${q.status ? sql`AND status = ${q.status}` : sql``}
        ${q.incidentId ? sql`AND incident_id = ${q.incidentId}::uuid` : sql``}
        ${q.ownerLoss ? sql`AND owner_loss = ${q.ownerLoss}::uuid` : sql``}
        ${q.before ? sql`AND (created_at, id) < (${q.before.createdAt}, ${q.before.id}::uuid)` : sql``}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit}`.execute(tx.db);
    return rows.rows;
  }

  /**
   * Takes the rate-limit slot `key` if it is free now, holding it for `intervalMs`; otherwise says
   * when it frees. One statement, so two processes never both take one slot.
   */
  async takeSlot(tx: TenantTx, key: string, intervalMs: number): Promise<{ taken: true } | { taken: false; freeAt: Date }> {
    const rows = await sql<{ taken: boolean; next_at: Date }>`
      INSERT INTO notification_slots AS s (tenant_id, key, next_at)
      VALUES (${tx.tenantId}, ${key}, statement_timestamp() + ${intervalMs} * interval '1 millisecond')
      ON CONFLICT (tenant_id, key) DO UPDATE
        SET next_at = CASE WHEN s.next_at <= statement_timestamp() THEN excluded.next_at ELSE s.next_at END
      RETURNING s.next_at = statement_timestamp() + ${intervalMs} * interval '1 millisecond' AS taken, s.next_at`.execute(tx.db);
    const r = rows.rows[0];
    return r.taken ? { taken: true } : { taken: false, freeAt: r.next_at };
  }
}
