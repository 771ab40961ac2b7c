import { sql } from 'kysely';
import { TenantTx } from '../database';

export interface BackfillRow {
  id: string;
  connectorId: string;
  since: Date;
  until: Date | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  cursor: { after?: string | null; stream?: string };
  pages: number;
  observations: number;
  attempts: number;
  rateLimited: number;
  lastError: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

type Row = {
  id: string; connector_id: string; since: Date; until: Date | null; status: BackfillRow['status']; cursor: BackfillRow['cursor'];
  pages: number; observations: number; attempts: number; rate_limited: number; last_error: string | null; created_by: string;
  created_at: Date; updated_at: Date; finished_at: Date | null;
};

const toBackfill = (r: Row): BackfillRow => ({
  id: r.id, connectorId: r.connector_id, since: r.since, until: r.until, status: r.status, cursor: r.cursor, pages: r.pages,
  observations: r.observations, attempts: r.attempts, rateLimited: r.rate_limited, lastError: r.last_error,
  createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, finishedAt: r.finished_at,
});

/** Backfill progress: the cursor saved after each page is where a retried job resumes. */
export class BackfillsRepository {
  async insert(tx: TenantTx, b: { id: string; connectorId: string; since: Date; until: Date | null; createdBy: string }): Promise<BackfillRow> {
    const r = await tx.db.insertInto('backfills').values({ id: b.id, tenant_id: tx.tenantId, connector_id: b.connectorId,
      since: b.since, until: b.until, status: 'queued', created_by: b.createdBy }).returningAll().executeTakeFirstOrThrow();
    return toBackfill(r as Row);
  }

  async get(tx: TenantTx, id: string): Promise<BackfillRow | undefined> {
    const r = await tx.db.selectFrom('backfills').selectAll().where('tenant_id', '=', tx.tenantId).where('id', '=', id).executeTakeFirst();
    return r && toBackfill(r as Row);
  }

  /** Newest first, from before `before` (the last of the previous page). */
  async list(tx: TenantTx, limit: number, before?: { createdAt: Date; id: string }): Promise<BackfillRow[]> {
    let q = tx.db.selectFrom('backfills').selectAll().where('tenant_id', '=', tx.tenantId);
    if (before) {
      q = q.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => toBackfill(r as Row));
  }

  async start(tx: TenantTx, id: string): Promise<void> {
    await tx.db.updateTable('backfills').set({ status: 'running', attempts: sql`attempts + 1`, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }

  async savePage(tx: TenantTx, id: string, cursor: BackfillRow['cursor'], observations: number): Promise<void> {
    await tx.db.updateTable('backfills').set({ cursor: JSON.stringify(cursor), pages: sql`pages + 1`,
      observations: sql`observations + ${observations}`, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }

  async noteRateLimited(tx: TenantTx, id: string): Promise<void> {
    await tx.db.updateTable('backfills').set({ rate_limited: sql`rate_limited + 1`, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }

  async finish(tx: TenantTx, id: string, status: 'succeeded' | 'failed', error: string | null): Promise<void> {
    await tx.db.updateTable('backfills').set({ status, last_error: error, updated_at: sql`now()`, finished_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }

  /**
   * Takes the run lease for `owner` until `leaseMs` from now, unless another run holds one that has
   * not expired; true when taken (or renewed: `owner` already held it).
   */
  async lease(tx: TenantTx, id: string, owner: string, leaseMs: number): Promise<boolean> {
    const row = await tx.db.updateTable('backfills').set({ lease_owner: owner, lease_until: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`), eb('lease_owner', '=', owner)]))
      .returning('id').executeTakeFirst();
    return row !== undefined;
  }

  async releaseLease(tx: TenantTx, id: string, owner: string): Promise<void> {
    await tx.db.updateTable('backfills').set({ lease_owner: null, lease_until: null })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  async requeue(tx: TenantTx, id: string): Promise<void> {
    await tx.db.updateTable('backfills').set({ status: 'queued', finished_at: null, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }

  async noteError(tx: TenantTx, id: string, error: string): Promise<void> {
    await tx.db.updateTable('backfills').set({ last_error: error, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }
}
