import { sql } from 'kysely';
import { TenantTx } from '../database';
import type { EdgeIds } from './lineage.repository';

/**
 * The edges each catalog process makes (migration `catalog bridge process edges`): what a process
 * claims, whoever drew the edge. Kept beside the drawn edges so that an edge two processes make
 * outlives one of them (LineageRepository.release hands it to the other).
 */
export class AtlasProcessEdgesRepository {
  async claimedBy(tx: TenantTx, process: string): Promise<EdgeIds[]> {
    const rows = await tx.db.selectFrom('atlas_process_edges').select(['src_id', 'dst_id'])
      .where('tenant_id', '=', tx.tenantId).where('process', '=', process).execute();
    return rows.map((r) => ({ srcId: Number(r.src_id), dstId: Number(r.dst_id) }));
  }

  async claim(tx: TenantTx, process: string, edges: EdgeIds[]): Promise<void> {
    if (edges.length === 0) return;
    await sql`
      INSERT INTO atlas_process_edges (tenant_id, process, src_id, dst_id)
      SELECT ${tx.tenantId}, ${process}, u.src_id, u.dst_id
      FROM unnest(${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[]) AS u(src_id, dst_id)
      ON CONFLICT DO NOTHING`.execute(tx.db);
  }

  /** Every process's claims on edges of asset `from` made on `to` instead (its catalog renamed it); one that would join `to` to itself goes. */
  async move(tx: TenantTx, from: number, to: number): Promise<void> {
    await sql`
      WITH gone AS (
        DELETE FROM atlas_process_edges WHERE tenant_id = ${tx.tenantId} AND (src_id = ${from} OR dst_id = ${from})
        RETURNING process, src_id, dst_id
      ), moved AS (
        SELECT process, CASE WHEN src_id = ${from} THEN ${to}::bigint ELSE src_id END AS src_id,
          CASE WHEN dst_id = ${from} THEN ${to}::bigint ELSE dst_id END AS dst_id
        FROM gone
      )
      INSERT INTO atlas_process_edges (tenant_id, process, src_id, dst_id)
      SELECT ${tx.tenantId}, process, src_id, dst_id FROM moved WHERE src_id <> dst_id
      ON CONFLICT DO NOTHING`.execute(tx.db);
  }

  async unclaim(tx: TenantTx, process: string, edges: EdgeIds[]): Promise<void> {
    if (edges.length === 0) return;
    await sql`
      DELETE FROM atlas_process_edges c
      USING unnest(${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[]) AS u(src_id, dst_id)
      WHERE c.tenant_id = ${tx.tenantId} AND c.process = ${process} AND c.src_id = u.src_id AND c.dst_id = u.dst_id`.execute(tx.db);
  }
}
