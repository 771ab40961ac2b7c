import { sql } from 'kysely';
import { Database, TenantTx } from '../database';
import { TenantId } from '../tenant-id';
import { privileged } from '../privileged';

/** A consumer group whose position keeps records older than the retention in its stream. */
export interface HeldBackStream {
  stream: string;
  group: string;
  /** when the group last moved its position */
  committedAt: Date;
}

/**
 * Removes what has outlived its retention, one bounded batch per call: each call is one short
 * statement that deletes at most `limit` rows found through an index (never a DELETE of a whole
 * range that would hold its row locks, and the hot path's writes behind them, for long), and returns
 * how many it deleted, so that the caller repeats it until a call deletes fewer than `limit`.
 */
export class RetentionRepository {
  constructor(private readonly database: Database) {}

  /** The last outbox sequence of the tenant that the embedded relay has copied to the change log (0: none). */
  async relayedUpTo(tenantId: TenantId): Promise<number> {
    const row = await privileged(this.database).selectFrom('tributary.relay_offsets').select('sequence').where('tenant_id', '=', tenantId).executeTakeFirst();
    return row?.sequence ?? 0;
  }

  /**
   * Embedded event log: records of `stream` appended before `before` that every consumer group of
   * the stream (every group with a position in it) has passed. A stream no group has ever read (the
   * dead-letters stream, kept for outside readers) is pruned by age alone. Walks the oldest `limit`
   * records in log order through the primary key.
   */
  async pruneEventLog(stream: string, before: Date, limit: number): Promise<number> {
    const passed = await this.slowestPosition(stream);
    const result = await sql`
      DELETE FROM tributary.event_log l USING (
        SELECT txid, seq FROM tributary.event_log
        WHERE stream = ${stream} ${passed ? sql`AND (txid, seq) <= (${passed.txid}::xid8, ${passed.seq}::bigint)` : sql``}
        ORDER BY txid, seq LIMIT ${limit}) head
      WHERE l.stream = ${stream} AND l.txid = head.txid AND l.seq = head.seq AND l.appended_at < ${before}`.execute(privileged(this.database));
    return Number(result.numAffectedRows ?? 0);
  }

  /**
   * The group that keeps records appended before `before` in `stream` (its next record is that old),
   * if any: a group that was retired keeps them forever, until its position is deleted.
   */
  async heldBack(stream: string, before: Date): Promise<HeldBackStream | undefined> {
    const passed = await this.slowestPosition(stream);
    if (!passed) return undefined;
    const { rows } = await sql<{ appended_at: Date }>`
      SELECT appended_at FROM tributary.event_log
      WHERE stream = ${stream} AND (txid, seq) > (${passed.txid}::xid8, ${passed.seq}::bigint)
      ORDER BY txid, seq LIMIT 1`.execute(privileged(this.database));
    return rows[0] && rows[0].appended_at < before ? { stream, group: passed.group, committedAt: passed.updatedAt } : undefined;
  }

  /** The position of the group furthest behind in a stream. */
  private async slowestPosition(stream: string): Promise<{ group: string; txid: string; seq: number; updatedAt: Date } | undefined> {
    const { rows } = await sql<{ group_id: string; txid: string; seq: number; updated_at: Date }>`
      SELECT group_id, txid::text AS txid, seq, updated_at FROM tributary.event_log_offsets
      WHERE stream = ${stream} ORDER BY txid, seq LIMIT 1`.execute(privileged(this.database));
    const r = rows[0];
    return r && { group: r.group_id, txid: r.txid, seq: r.seq, updatedAt: r.updated_at };
  }

  /** Delivery keys recorded before `before`: a redelivery of one of them would be applied again. */
  pruneDeliveryKeys(tx: TenantTx, before: Date, limit: number): Promise<number> {
    return pruneByAge(tx, AGED.deliveryKeys, before, limit);
  }

  /**
   * Directory source events (Okta's uuids) applied before `before`: a redelivery of one would be
   * applied again, and changes nothing, being no newer than what it applied.
   */
  pruneDirectoryEvents(tx: TenantTx, before: Date, limit: number): Promise<number> {
    return pruneByAge(tx, AGED.directoryEvents, before, limit);
  }

  /**
   * The oldest outbox events, written before `before` and with a sequence up to `upTo` (what the
   * relay has copied; unbounded when Debezium captures the outbox from the WAL, where a deleted row
   * was already read). Only a prefix of the feed goes, from its oldest event up to the first one that
   * must stay: what the feed keeps is always every sequence from its first on, which is how
   * `firstRetained` can say where the feed starts. The incident facts of the pruned events go with them.
   */
  async pruneOutbox(tx: TenantTx, before: Date, upTo: number | null, limit: number): Promise<number> {
    const result = await sql`
      WITH head AS (
        SELECT sequence, time FROM change_events WHERE tenant_id = ${tx.tenantId} ${upTo === null ? sql`` : sql`AND sequence <= ${upTo}`}
        ORDER BY sequence LIMIT ${limit}),
      kept AS (SELECT min(sequence) AS first FROM head WHERE time >= ${before}),
      gone AS (
        DELETE FROM change_events c USING head, kept
        WHERE c.tenant_id = ${tx.tenantId} AND c.sequence = head.sequence AND (kept.first IS NULL OR head.sequence < kept.first)
        RETURNING c.sequence),
      -- an incident fact goes with its change event: both were relayed (or captured) together
      facts AS (DELETE FROM incident_facts f USING gone WHERE f.tenant_id = ${tx.tenantId} AND f.sequence = gone.sequence)
      SELECT count(*)::int AS n FROM gone`.execute(tx.db);
    return (result.rows[0] as { n: number }).n;
  }

  /** Dead letters parked before `before`, replayed or not. */
  pruneDeadLetters(tx: TenantTx, before: Date, limit: number): Promise<number> {
    return pruneByAge(tx, AGED.deadLetters, before, limit);
  }

  /** Ignored deliveries received before `before` (kept as long as dead letters: both are what support looks at). */
  pruneIgnoredDeliveries(tx: TenantTx, before: Date, limit: number): Promise<number> {
    return pruneByAge(tx, AGED.ignoredDeliveries, before, limit);
  }

  /**
   * Notification deliveries done with: sent (nothing pending, not parked) and last touched before
   * `before`, whose incident is resolved or gone (an owner-loss delivery has none: sent is done). An
   * open incident's delivery stays however old, so that its next change edits the message or ticket
   * it has, never opens a second one.
   */
  async pruneNotificationDeliveries(tx: TenantTx, before: Date, limit: number): Promise<number> {
    const result = await sql`
      DELETE FROM notification_deliveries WHERE tenant_id = ${tx.tenantId} AND id IN (
        SELECT d.id FROM notification_deliveries d
          LEFT JOIN incidents i ON i.tenant_id = d.tenant_id AND i.id = d.incident_id
        WHERE d.tenant_id = ${tx.tenantId} AND d.status = 'sent' AND d.updated_at < ${before}
          AND (i.id IS NULL OR i.status = 'resolved')
        ORDER BY d.updated_at LIMIT ${limit})`.execute(tx.db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** Pipeline latency minutes before `before` (GET /v1/metrics/lag reads a week at most). */
  async prunePipelineLatency(tx: TenantTx, before: Date, limit: number): Promise<number> {
    const result = await sql`
      DELETE FROM pipeline_latency WHERE (tenant_id, stage, minute) IN (
        SELECT tenant_id, stage, minute FROM pipeline_latency
        WHERE tenant_id = ${tx.tenantId} AND stage IN ('ingest', 'propagation') AND minute < ${before} ORDER BY minute LIMIT ${limit})`.execute(tx.db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** Audit entries written before `before`. */
  pruneAudit(tx: TenantTx, before: Date, limit: number): Promise<number> {
    return pruneByAge(tx, AGED.audit, before, limit);
  }
}

/** Tables pruned by the age of their rows: each with its key and its time column (indexed with the tenant). */
const AGED = {
  deliveryKeys: { table: 'processed_events', key: 'event_key', time: 'processed_at' },
  deadLetters: { table: 'dead_letters', key: 'id', time: 'created_at' },
  ignoredDeliveries: { table: 'ignored_deliveries', key: 'id', time: 'received_at' },
  directoryEvents: { table: 'directory_events', key: 'event_id', time: 'applied_at' },
  audit: { table: 'audit_log', key: 'id', time: 'at' },
} as const;

/** The tenant's oldest rows written before `before`, at most `limit` of them, found through the time index. */
async function pruneByAge(tx: TenantTx, t: (typeof AGED)[keyof typeof AGED], before: Date, limit: number): Promise<number> {
  const [table, key, time] = [sql.table(t.table), sql.ref(t.key), sql.ref(t.time)];
  const result = await sql`
    DELETE FROM ${table} WHERE tenant_id = ${tx.tenantId} AND ${key} IN (
      SELECT ${key} FROM ${table} WHERE tenant_id = ${tx.tenantId} AND ${time} < ${before} ORDER BY ${time} LIMIT ${limit})`.execute(tx.db);
  return Number(result.numAffectedRows ?? 0);
}
