import { sql } from 'kysely';
import { TenantTx } from '../database';

export interface AssetIncidentRow {
  assetId: number;
  id: string;
  source: string;
  externalId: string;
  type: string;
  severity: string | null;
  status: 'open' | 'resolved';
  title: string | null;
  url: string | null;
  startedAt: Date;
  updatedAt: Date;
}

export class IncidentsRepository {
  /** The incidents attached to the given assets, newest first. */
  async forAssets(tx: TenantTx, assetIds: number[]): Promise<AssetIncidentRow[]> {
    if (assetIds.length === 0) return [];
    const rows = await sql<{
      asset_id: number; id: string; source: string; external_id: string; type: string; severity: string | null;
      status: 'open' | 'resolved'; title: string | null; url: string | null; started_at: Date; updated_at: Date;
    }>`
      SELECT ia.asset_id, i.id, i.source, i.external_id, i.type, i.severity, i.status, i.title, i.url,
             i.started_at, i.updated_at
      FROM incident_assets ia JOIN incidents i ON i.id = ia.incident_id AND i.tenant_id = ia.tenant_id
      WHERE ia.tenant_id = ${tx.tenantId} AND ia.asset_id = ANY (${assetIds}::bigint[])
      ORDER BY ia.asset_id, i.updated_at DESC`.execute(tx.db);
    return rows.rows.map((r) => ({
      assetId: r.asset_id, id: r.id, source: r.source, externalId: r.external_id, type: r.type,
      severity: r.severity, status: r.status, title: r.title, url: r.url, startedAt: r.started_at, updatedAt: r.updated_at,
    }));
  }
}
