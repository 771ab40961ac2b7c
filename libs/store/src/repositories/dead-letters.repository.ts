import { randomUUID } from 'node:crypto';
import { TenantTx } from '../database';

export interface DeadLetterRow {
  id: string;
  stream: string;
  reason: string;
  payload: unknown;
  createdAt: Date;
  replayedAt: Date | null;
}

/** Events that could not be parsed, validated, mapped or delivered, with the reason, kept for replay. */
export class DeadLettersRepository {
  /**
   * Parks an event; a log record with its identity (`recordIdentity`: stream position and digest) is
   * parked once: parking it again (its batch retried) adds nothing and returns the first letter's id
   * with `parked: false`.
   */
  async park(tx: TenantTx, stream: string, reason: string, payload: unknown, recordIdentity?: string): Promise<{ id: string; parked: boolean }> {
    const id = randomUUID();
    const row = await tx.db.insertInto('dead_letters')
      .values({ id, tenant_id: tx.tenantId, stream, reason, payload: JSON.stringify(payload), record_identity: recordIdentity ?? null })
      .onConflict((oc) => oc.columns(['tenant_id', 'stream', 'record_identity']).where('record_identity', 'is not', null).doNothing())
      .returning('id').executeTakeFirst();
    if (row) return { id, parked: true };
    const first = await tx.db.selectFrom('dead_letters').select('id')
      .where('tenant_id', '=', tx.tenantId).where('stream', '=', stream).where('record_identity', '=', recordIdentity!).executeTakeFirstOrThrow();
    return { id: first.id, parked: false };
  }

  /** Newest first, keyset-paged by (created_at, id). */
  async list(tx: TenantTx, limit: number, before?: { createdAt: Date; id: string }): Promise<DeadLetterRow[]> {
    let q = tx.db.selectFrom('dead_letters').selectAll().where('tenant_id', '=', tx.tenantId);
    if (before) {
      q = q.where((eb) => eb.or([eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, stream: r.stream, reason: r.reason, payload: r.payload, createdAt: r.created_at, replayedAt: r.replayed_at }));
  }

  async get(tx: TenantTx, id: string, lock = false): Promise<DeadLetterRow | undefined> {
    let q = tx.db.selectFrom('dead_letters').selectAll().where('tenant_id', '=', tx.tenantId).where('id', '=', id);
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && { id: r.id, stream: r.stream, reason: r.reason, payload: r.payload, createdAt: r.created_at, replayedAt: r.replayed_at };
  }

  async markReplayed(tx: TenantTx, id: string): Promise<void> {
    await tx.db.updateTable('dead_letters').set({ replayed_at: new Date() })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }
}
