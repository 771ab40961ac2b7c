import { sql } from 'kysely';
import { TenantTx } from '../database';
import type { DeliveryAttempt, DeliveryStatus } from './notification-deliveries.repository';

/**
 * The state the bridge last wrote to a catalog entity (migration 21's `written`): the attributes it
 * set (an attribute it set to null is absent) and the catalog tag names it attached. It is also the
 * outbox the source side reads to recognise the bridge's own writes (contract §5).
 */
export interface WrittenState {
  attributes: Record<string, unknown>;
  tags: string[];
}

export interface WritebackRow {
  connectorId: string;
  assetId: number;
  wantedSequence: number;
  sentSequence: number;
  written: WrittenState | null;
  writtenAt: Date | null;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  attemptCount: number;
  limitedCount: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An asset's catalog entity, as the source side linked them (migration 20). */
export interface AtlasLink {
  connectorId: string;
  assetId: number;
  guid: string;
  typeName: string;
  qualifiedName: string;
  /** the tags the catalog last showed attached to the entity directly (its names) */
  directTags: string[];
}

/** What one write did to one row. */
export type WritebackOutcome =
  /**
   * written, or nothing to write: the row shows its claimed `sequence` from now on. With nothing sent
   * (`written` absent) no attempt is recorded: an attempt is a call to the catalog.
   */
  | { kind: 'sent'; assetId: number; sequence: number; written?: WrittenState; answer: string }
  | { kind: 'failed'; assetId: number; answer: string; nextAttemptAt: Date; written?: WrittenState }
  | { kind: 'rate_limited'; assetId: number; answer: string; nextAttemptAt: Date; written?: WrittenState }
  | { kind: 'parked'; assetId: number; answer: string; written?: WrittenState };

const KEPT_ATTEMPTS = 20;

const columns = sql`w.connector_id AS "connectorId", w.asset_id::float8 AS "assetId", w.wanted_sequence::float8 AS "wantedSequence",
  w.sent_sequence::float8 AS "sentSequence", w.written, w.written_at AS "writtenAt", w.status, w.attempts, w.attempt_count AS "attemptCount",
  w.limited_count AS "limitedCount", w.next_attempt_at AS "nextAttemptAt", w.created_at AS "createdAt", w.updated_at AS "updatedAt"`;

/** The bridge's write-back rows (migration 21): one per bridge connector and linked asset. */
export class AtlasWritebacksRepository {
  /** The live catalog entities (not processes) of these assets that belong to these connectors. */
  async links(tx: TenantTx, connectorIds: string[], assetIds: number[]): Promise<AtlasLink[]> {
    if (connectorIds.length === 0 || assetIds.length === 0) return [];
    const rows = await sql<AtlasLink>`
      SELECT connector_id AS "connectorId", asset_id::float8 AS "assetId", guid, type_name AS "typeName", qualified_name AS "qualifiedName",
             direct_tags AS "directTags"
      FROM atlas_entities
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ANY (${connectorIds}::uuid[]) AND asset_id = ANY (${assetIds}::bigint[])
        AND NOT deleted AND NOT is_process
      ORDER BY connector_id, asset_id, guid`.execute(tx.db);
    return rows.rows;
  }

  /**
   * Each (connector, asset) must be written at least as of this change: the row is made on the
   * first, and its wanted sequence only ever rises (a redelivered or older change leaves it). A
   * parked row stays parked until its dead letter is replayed. Returns the connectors that now have
   * something to write.
   */
  async want(tx: TenantTx, wants: { connectorId: string; assetId: number; sequence: number }[]): Promise<string[]> {
    if (wants.length === 0) return [];
    const rows = await sql<{ connectorId: string; pending: boolean }>`
      INSERT INTO atlas_writebacks AS w (tenant_id, connector_id, asset_id, wanted_sequence, status)
      SELECT ${tx.tenantId}, u.connector_id, u.asset_id, max(u.sequence), 'pending'
      FROM unnest(${wants.map((w) => w.connectorId)}::uuid[], ${wants.map((w) => w.assetId)}::bigint[], ${wants.map((w) => w.sequence)}::bigint[])
        AS u(connector_id, asset_id, sequence)
      GROUP BY u.connector_id, u.asset_id
      ON CONFLICT (tenant_id, connector_id, asset_id) DO UPDATE
        SET wanted_sequence = GREATEST(w.wanted_sequence, excluded.wanted_sequence),
            status = CASE WHEN excluded.wanted_sequence > w.sent_sequence AND w.status = 'sent' THEN 'pending' ELSE w.status END,
            updated_at = date_trunc('milliseconds', now())
      RETURNING w.connector_id AS "connectorId", w.wanted_sequence > w.sent_sequence AND w.status <> 'parked' AS pending`.execute(tx.db);
    return [...new Set(rows.rows.filter((r) => r.pending).map((r) => r.connectorId))];
  }

  /**
   * Claims for `leaseMs` up to `limit` rows of the connector with a change to write that are due and
   * that no other job holds, the longest waiting first: one writer per asset at a time, so an
   * asset's writes are never reordered. No connection is held while the catalog is called.
   */
  async claimPending(tx: TenantTx, connectorId: string, limit: number, leaseMs: number): Promise<WritebackRow[]> {
    const rows = await sql<WritebackRow>`
      UPDATE atlas_writebacks w SET claimed_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
      WHERE w.tenant_id = ${tx.tenantId} AND w.connector_id = ${connectorId}::uuid AND w.asset_id IN (
        SELECT asset_id FROM atlas_writebacks
        WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId}::uuid
          AND wanted_sequence > sent_sequence AND status <> 'parked'
          AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
          AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp())
        ORDER BY updated_at, asset_id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${columns}`.execute(tx.db);
    return rows.rows.sort((a, b) => a.assetId - b.assetId);
  }

  /** Lets go of claims (a job done with them without recording an outcome). */
  async release(tx: TenantTx, connectorId: string, assetIds: number[]): Promise<void> {
    if (assetIds.length === 0) return;
    await sql`UPDATE atlas_writebacks SET claimed_until = NULL
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId}::uuid AND asset_id = ANY (${assetIds}::bigint[])`.execute(tx.db);
  }

  /** Records what a write did to one row, and lets go of it. */
  async record(tx: TenantTx, connectorId: string, outcome: WritebackOutcome): Promise<void> {
    const attempt: DeliveryAttempt = { at: new Date().toISOString(), outcome: outcome.kind, answer: outcome.answer };
    const counted = outcome.kind !== 'sent' || outcome.written !== undefined;
    const common = counted
      ? sql`attempts = (jsonb_build_array(${JSON.stringify(attempt)}::jsonb) || attempts) - ${KEPT_ATTEMPTS}, attempt_count = attempt_count + 1,
          claimed_until = NULL, updated_at = date_trunc('milliseconds', now())`
      : sql`claimed_until = NULL, updated_at = date_trunc('milliseconds', now())`;
    const where = sql`WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId}::uuid AND asset_id = ${outcome.assetId}`;
    const written = (w: WrittenState | undefined) => (w === undefined ? sql``
      : sql`, written = ${JSON.stringify(w)}::jsonb, written_at = date_trunc('milliseconds', now())`);
    switch (outcome.kind) {
      case 'sent':
        await sql`UPDATE atlas_writebacks SET ${common}, sent_sequence = GREATEST(sent_sequence, ${outcome.sequence})
            ${written(outcome.written)},
            status = CASE WHEN wanted_sequence > GREATEST(sent_sequence, ${outcome.sequence}) THEN 'pending' ELSE 'sent' END,
            limited_count = 0, next_attempt_at = NULL ${where}`.execute(tx.db);
        return;
      case 'failed':
        await sql`UPDATE atlas_writebacks SET ${common}, status = 'retrying', next_attempt_at = ${outcome.nextAttemptAt} ${written(outcome.written)} ${where}`.execute(tx.db);
        return;
      case 'rate_limited':
        await sql`UPDATE atlas_writebacks SET ${common}, status = 'retrying', limited_count = limited_count + 1,
            next_attempt_at = ${outcome.nextAttemptAt} ${written(outcome.written)} ${where}`.execute(tx.db);
        return;
      case 'parked':
        await sql`UPDATE atlas_writebacks SET ${common}, status = 'parked', next_attempt_at = NULL ${written(outcome.written)} ${where}`.execute(tx.db);
    }
  }

  /** A parked row goes back to pending (its dead letter was replayed), with its count of 429s in a row cleared. */
  async unpark(tx: TenantTx, connectorId: string, assetId: number): Promise<boolean> {
    const rows = await sql`UPDATE atlas_writebacks SET status = 'pending', limited_count = 0, next_attempt_at = NULL,
        updated_at = date_trunc('milliseconds', now())
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId}::uuid AND asset_id = ${assetId} AND status = 'parked'`.execute(tx.db);
    return Number(rows.numAffectedRows ?? 0) > 0;
  }

  /**
   * When the connector's next row waiting to be written is due (now, for one due already), among
   * those no job holds; null when nothing waits.
   */
  async nextDue(tx: TenantTx, connectorId: string): Promise<Date | null> {
    const rows = await sql<{ at: Date | null }>`
      SELECT min(COALESCE(next_attempt_at, clock_timestamp())) AS at FROM atlas_writebacks
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId}::uuid AND wanted_sequence > sent_sequence AND status <> 'parked'
        AND (claimed_until IS NULL OR claimed_until < clock_timestamp())`.execute(tx.db);
    return rows.rows[0]?.at ?? null;
  }

  /** Newest first, keyset-paged by (created_at, asset_id), of one connector, optionally of one status; with the entity each writes to. */
  async list(tx: TenantTx, q: { connectorId: string; status?: DeliveryStatus; limit: number; before?: { createdAt: Date; assetId: number } }):
    Promise<(WritebackRow & { qualifiedName: string | null; entity: { guid: string; typeName: string; qualifiedName: string } | null })[]> {
    const rows = await sql<WritebackRow & { qualifiedName: string | null; entity: { guid: string; typeName: string; qualifiedName: string } | null }>`
      SELECT ${columns}, a.qualified_name AS "qualifiedName",
        CASE WHEN e.guid IS NULL THEN NULL ELSE jsonb_build_object('guid', e.guid, 'typeName', e.type_name, 'qualifiedName', e.qualified_name) END AS entity
      FROM atlas_writebacks w
      LEFT JOIN assets a ON a.tenant_id = w.tenant_id AND a.id = w.asset_id
      LEFT JOIN LATERAL (SELECT guid, type_name, qualified_name FROM atlas_entities x
        WHERE x.tenant_id = w.tenant_id AND x.connector_id = w.connector_id AND x.asset_id = w.asset_id
        ORDER BY x.deleted, x.updated_at DESC LIMIT 1) e ON true
      WHERE w.tenant_id = ${tx.tenantId} AND w.connector_id = ${q.connectorId}::uuid
        ${q.status ? sql`AND w.status = ${q.status}` : sql``}
        ${q.before ? sql`AND (w.created_at, w.asset_id) < (${q.before.createdAt}, ${q.before.assetId})` : sql``}
      ORDER BY w.created_at DESC, w.asset_id DESC LIMIT ${q.limit}`.execute(tx.db);
    return rows.rows;
  }
}
