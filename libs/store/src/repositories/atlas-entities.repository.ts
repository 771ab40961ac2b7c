import { sql } from 'kysely';
import { TenantTx } from '../database';

/** What the bridge knows of one catalog entity (migration `catalog bridge entities`). */
export interface AtlasEntityRow {
  guid: string;
  typeName: string;
  qualifiedName: string;
  assetId: number | null;
  isProcess: boolean;
  directTags: string[];
  eventTime: Date;
  deleted: boolean;
}

/**
 * The entities a bridge connector (Atlas or Atlan) brought in, by the catalog's guid, and what the
 * bridge's write-back last wrote to them (its outbox, `atlas_writebacks.written`).
 */
export class AtlasEntitiesRepository {
  /** These entities of the connector; with `lock`, locked for this transaction (one notification of an entity is applied at a time). */
  async byGuids(tx: TenantTx, connectorId: string, guids: string[], lock: boolean): Promise<Map<string, AtlasEntityRow>> {
    if (guids.length === 0) return new Map();
    const rows = await sql<{ guid: string; type_name: string; qualified_name: string; asset_id: string | null; is_process: boolean;
      direct_tags: string[]; event_time: Date; deleted: boolean }>`
      SELECT guid, type_name, qualified_name, asset_id, is_process, direct_tags, event_time, deleted
      FROM atlas_entities
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId} AND guid = ANY (${guids}::text[])
      ORDER BY guid ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.guid, {
      guid: r.guid, typeName: r.type_name, qualifiedName: r.qualified_name, assetId: r.asset_id === null ? null : Number(r.asset_id),
      isProcess: r.is_process, directTags: r.direct_tags, eventTime: r.event_time, deleted: r.deleted,
    }]));
  }

  async save(tx: TenantTx, connectorId: string, row: AtlasEntityRow): Promise<void> {
    await sql`
      INSERT INTO atlas_entities (tenant_id, connector_id, guid, type_name, qualified_name, asset_id, is_process, direct_tags, event_time, deleted)
      VALUES (${tx.tenantId}, ${connectorId}, ${row.guid}, ${row.typeName}, ${row.qualifiedName}, ${row.assetId}, ${row.isProcess},
              ${row.directTags}::text[], ${row.eventTime}, ${row.deleted})
      ON CONFLICT (tenant_id, connector_id, guid) DO UPDATE SET
        type_name = EXCLUDED.type_name, qualified_name = EXCLUDED.qualified_name, asset_id = EXCLUDED.asset_id,
        is_process = EXCLUDED.is_process, direct_tags = EXCLUDED.direct_tags, event_time = EXCLUDED.event_time,
        deleted = EXCLUDED.deleted, updated_at = date_trunc('milliseconds', now())`.execute(tx.db);
  }

  /**
   * What the write-back last wrote to an asset's entity through this connector (its outbox,
   * `{attributes, tags}`, tags by the catalog's names): a notification showing it is the bridge's own write.
   */
  async written(tx: TenantTx, connectorId: string, assetId: number): Promise<{ attributes: Record<string, unknown>; tags: Set<string> }> {
    const row = await sql<{ written: { attributes?: unknown; tags?: unknown } | null }>`
      SELECT written FROM atlas_writebacks
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId} AND asset_id = ${assetId}`.execute(tx.db);
    const w = row.rows[0]?.written ?? null;
    const attributes = w && typeof w.attributes === 'object' && w.attributes !== null && !Array.isArray(w.attributes)
      ? w.attributes as Record<string, unknown> : {};
    const tags = new Set(Array.isArray(w?.tags) ? w.tags.filter((t): t is string => typeof t === 'string') : []);
    return { attributes, tags };
  }
}
