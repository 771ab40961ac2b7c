import { sql } from 'kysely';
import { TenantTx } from '../database';
import type { EdgeIds } from './lineage.repository';

/** An asset's column lineage as stored: per output column, its input fields. */
export interface StoredColumnLineage {
  column: string;
  inputFields: { ref: string; qualifiedName: string | null; field: string;
    transformations: { type: string; subtype: string | null; description: string | null; masking: boolean | null }[] }[];
}

/**
 * What OpenLineage's jobs have produced (see the `openlineage jobs and column lineage` migration):
 * each job's last COMPLETE (the edges it set are its claims: EdgeClaimsRepository), and each asset's column lineage.
 */
export class OpenLineageRepository {
  /** The jobs' last applied COMPLETE (its time and its edges' digest), locked for this transaction; a job not seen complete yet is absent. */
  async lockJobs(tx: TenantTx, processes: string[]): Promise<Map<string, { at: Date; edgesDigest: string }>> {
    if (processes.length === 0) return new Map();
    const rows = await tx.db.selectFrom('openlineage_jobs').select(['process', 'last_complete_at', 'edges_digest'])
      .where('tenant_id', '=', tx.tenantId).where('process', 'in', processes).orderBy('process').forUpdate().execute();
    return new Map(rows.map((r) => [r.process, { at: r.last_complete_at, edgesDigest: r.edges_digest }]));
  }

  async saveJobs(tx: TenantTx, jobs: { process: string; lastCompleteAt: Date; runId: string | null; edgesDigest: string }[]): Promise<void> {
    if (jobs.length === 0) return;
    await tx.db.insertInto('openlineage_jobs')
      .values(jobs.map((j) => ({ tenant_id: tx.tenantId, process: j.process, last_complete_at: j.lastCompleteAt, last_run_id: j.runId,
        edges_digest: j.edgesDigest })))
      .onConflict((oc) => oc.columns(['tenant_id', 'process']).doUpdateSet((eb) => ({
        last_complete_at: eb.ref('excluded.last_complete_at'), last_run_id: eb.ref('excluded.last_run_id'),
        edges_digest: eb.ref('excluded.edges_digest') }))).execute();
  }

  /**
   * Of these edges (each one its job no longer produces), those no job produces any more and that an
   * OpenLineage job drew (their process is a job's): the ones to release (LineageRepository.release:
   * removed unless a catalog process still makes them). An edge a person drew stays.
   */
  async unclaimed(tx: TenantTx, edges: EdgeIds[]): Promise<EdgeIds[]> {
    if (edges.length === 0) return [];
    const rows = await sql<{ src_id: string; dst_id: string }>`
      SELECT DISTINCT u.src_id, u.dst_id
      FROM unnest(${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[]) AS u(src_id, dst_id)
        JOIN lineage_edges e ON e.tenant_id = ${tx.tenantId} AND e.src_id = u.src_id AND e.dst_id = u.dst_id
      WHERE NOT EXISTS (SELECT 1 FROM openlineage_job_edges j WHERE j.tenant_id = ${tx.tenantId} AND j.src_id = u.src_id AND j.dst_id = u.dst_id)
        AND EXISTS (SELECT 1 FROM openlineage_jobs o WHERE o.tenant_id = ${tx.tenantId} AND o.process = e.process)`.execute(tx.db);
    return rows.rows.map((r) => ({ srcId: Number(r.src_id), dstId: Number(r.dst_id) }));
  }

  /** Keeps each asset's column lineage unless the stored one came from a newer event. */
  async saveColumnLineage(tx: TenantTx, rows: { assetId: number; fields: StoredColumnLineage[]; eventTime: Date }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.db.insertInto('column_lineage')
      .values(rows.map((r) => ({ tenant_id: tx.tenantId, asset_id: r.assetId, fields: JSON.stringify(r.fields), event_time: r.eventTime })))
      .onConflict((oc) => oc.columns(['tenant_id', 'asset_id']).doUpdateSet((eb) => ({ fields: eb.ref('excluded.fields'), event_time: eb.ref('excluded.event_time') }))
        .where('column_lineage.event_time', '<=', (eb) => eb.ref('excluded.event_time')))
      .execute();
  }

  /** When each of these assets' columns were set from a schema facet (the event's time); absent: never. */
  async schemaTimes(tx: TenantTx, assetIds: number[]): Promise<Map<number, Date>> {
    if (assetIds.length === 0) return new Map();
    const rows = await tx.db.selectFrom('dataset_schemas').select(['asset_id', 'event_time'])
      .where('tenant_id', '=', tx.tenantId).where('asset_id', 'in', assetIds).execute();
    return new Map(rows.map((r) => [Number(r.asset_id), r.event_time]));
  }

  async saveSchemaTimes(tx: TenantTx, rows: { assetId: number; eventTime: Date }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.db.insertInto('dataset_schemas')
      .values(rows.map((r) => ({ tenant_id: tx.tenantId, asset_id: r.assetId, event_time: r.eventTime })))
      .onConflict((oc) => oc.columns(['tenant_id', 'asset_id']).doUpdateSet((eb) => ({ event_time: eb.ref('excluded.event_time') }))
        .where('dataset_schemas.event_time', '<=', (eb) => eb.ref('excluded.event_time')))
      .execute();
  }

  async columnLineageOf(tx: TenantTx, assetId: number): Promise<StoredColumnLineage[]> {
    const row = await tx.db.selectFrom('column_lineage').select('fields')
      .where('tenant_id', '=', tx.tenantId).where('asset_id', '=', assetId).executeTakeFirst();
    return (row?.fields as unknown as StoredColumnLineage[] | undefined) ?? [];
  }
}
