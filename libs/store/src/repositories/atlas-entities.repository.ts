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

/** What the write-back last wrote to an entity: the attributes and the tags (by the catalog's names). */
export interface WrittenBack {
  attributes: Record<string, unknown>;
  tags: Set<string>;
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
    await this.saveMany(tx, connectorId, [row]);
  }

  /** Saves each row (guids distinct: one statement may not write a row twice). */
  async saveMany(tx: TenantTx, connectorId: string, rows: AtlasEntityRow[]): Promise<void> {
    if (rows.length === 0) return;
    // one JSON array rather than unnest: a text[] per row does not survive unnest of a two-dimensional array
    const json = JSON.stringify(rows.map((r) => ({ guid: r.guid, type_name: r.typeName, qualified_name: r.qualifiedName, asset_id: r.assetId,
      is_process: r.isProcess, direct_tags: r.directTags, event_time: r.eventTime.toISOString(), deleted: r.deleted })));
    await sql`
      INSERT INTO atlas_entities (tenant_id, connector_id, guid, type_name, qualified_name, asset_id, is_process, direct_tags, event_time, deleted)
      SELECT ${tx.tenantId}, ${connectorId}, r.guid, r.type_name, r.qualified_name, r.asset_id, r.is_process,
             ARRAY(SELECT jsonb_array_elements_text(r.direct_tags)), r.event_time, r.deleted
      FROM jsonb_to_recordset(${json}::jsonb) AS r(guid text, type_name text, qualified_name text, asset_id bigint, is_process boolean,
                                                  direct_tags jsonb, event_time timestamptz, deleted boolean)
      ON CONFLICT (tenant_id, connector_id, guid) DO UPDATE SET
        type_name = EXCLUDED.type_name, qualified_name = EXCLUDED.qualified_name, asset_id = EXCLUDED.asset_id,
        is_process = EXCLUDED.is_process, direct_tags = EXCLUDED.direct_tags, event_time = EXCLUDED.event_time,
        deleted = EXCLUDED.deleted, updated_at = date_trunc('milliseconds', now())`.execute(tx.db);
  }

  /**
   * What the write-back last wrote to these assets' entities through this connector (its outbox,
   * `{attributes, tags}`, tags by the catalog's names), by asset id: a notification showing it is the
   * bridge's own write. An asset never written to is absent.
   */
  async writtenTo(tx: TenantTx, connectorId: string, assetIds: number[]): Promise<Map<number, WrittenBack>> {
    if (assetIds.length === 0) return new Map();
    const rows = await sql<{ asset_id: number; written: { attributes?: unknown; tags?: unknown } | null }>`
      SELECT asset_id, written FROM atlas_writebacks
      WHERE tenant_id = ${tx.tenantId} AND connector_id = ${connectorId} AND asset_id = ANY (${assetIds}::bigint[])`.execute(tx.db);
    return new Map(rows.rows.map((r) => {
      const w = r.written;
      const attributes = w && typeof w.attributes === 'object' && w.attributes !== null && !Array.isArray(w.attributes)
        ? w.attributes as Record<string, unknown> : {};
      const tags = new Set(Array.isArray(w?.tags) ? w.tags.filter((t): t is string => typeof t === 'string') : []);
      return [r.asset_id, { attributes, tags }];
    }));
  }
}
