import { sql } from 'kysely';
import { TenantTx } from '../database';
import type { EdgeIds } from './lineage.repository';

/** An edge as one of a source's processes makes it. */
export interface ClaimedEdge extends EdgeIds {
  process: string;
}

/**
 * A source's claims on lineage edges: which of its processes make which edges, whoever drew them
 * (an OpenLineage job's last COMPLETE, `openlineage_job_edges`; a catalog process's last
 * notification, `atlas_process_edges`). An edge stays while any claim on it does (LineageRepository.release).
 */
export class EdgeClaimsRepository {
  constructor(private readonly table: 'openlineage_job_edges' | 'atlas_process_edges') {}

  /** The edges these processes claim. */
  async of(tx: TenantTx, processes: string[]): Promise<ClaimedEdge[]> {
    if (processes.length === 0) return [];
    const rows = await sql<{ process: string; src_id: string; dst_id: string }>`
      SELECT process, src_id, dst_id FROM ${sql.table(this.table)}
      WHERE tenant_id = ${tx.tenantId} AND process = ANY (${processes}::text[])`.execute(tx.db);
    return rows.rows.map((r) => ({ process: r.process, srcId: Number(r.src_id), dstId: Number(r.dst_id) }));
  }

  async add(tx: TenantTx, edges: ClaimedEdge[]): Promise<void> {
    if (edges.length === 0) return;
    // unnest: a COMPLETE of 5 inputs and 5 outputs is 25 edges, a batch of them thousands (one parameter per column, not per value)
    await sql`
      INSERT INTO ${sql.table(this.table)} (tenant_id, process, src_id, dst_id)
      SELECT ${tx.tenantId}, u.process, u.src_id, u.dst_id
      FROM unnest(${edges.map((e) => e.process)}::text[], ${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[])
        AS u(process, src_id, dst_id)
      ON CONFLICT DO NOTHING`.execute(tx.db);
  }

  async remove(tx: TenantTx, edges: ClaimedEdge[]): Promise<void> {
    if (edges.length === 0) return;
    await sql`
      DELETE FROM ${sql.table(this.table)} c
      USING unnest(${edges.map((e) => e.process)}::text[], ${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[])
        AS u(process, src_id, dst_id)
      WHERE c.tenant_id = ${tx.tenantId} AND c.process = u.process AND c.src_id = u.src_id AND c.dst_id = u.dst_id`.execute(tx.db);
  }

  /** Every claim on an edge of asset `from` made on `to` instead (its catalog renamed it); one that would join `to` to itself goes. */
  async moveAsset(tx: TenantTx, from: number, to: number): Promise<void> {
    await sql`
      WITH gone AS (
        DELETE FROM ${sql.table(this.table)} WHERE tenant_id = ${tx.tenantId} AND (src_id = ${from} OR dst_id = ${from})
        RETURNING process, src_id, dst_id
      ), moved AS (
        SELECT process, CASE WHEN src_id = ${from} THEN ${to}::bigint ELSE src_id END AS src_id,
          CASE WHEN dst_id = ${from} THEN ${to}::bigint ELSE dst_id END AS dst_id
        FROM gone
      )
      INSERT INTO ${sql.table(this.table)} (tenant_id, process, src_id, dst_id)
      SELECT ${tx.tenantId}, process, src_id, dst_id FROM moved WHERE src_id <> dst_id
      ON CONFLICT DO NOTHING`.execute(tx.db);
  }
}
