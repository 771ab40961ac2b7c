import { sql } from 'kysely';
import { TenantTx } from '../database';

export interface AssetRow {
  id: number;
  qualifiedName: string;
  typeName: string;
  name: string | null;
  attributes: Record<string, unknown>;
  version: number;
  upstreamOpenIncidents: number;
  /** attribute values derived by rules from upstream assets; the asset's own values win over them */
  derivedAttributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export interface AssetWrite {
  qualifiedName: string;
  typeName: string;
  name: string | null;
  attributes: Record<string, unknown>;
  version: number;
}

export type HealthStatus = 'healthy' | 'warning' | 'critical';

export interface AssetListFilter {
  typeName?: string;
  tag?: string;
  health?: HealthStatus;
  q?: string;
  after?: string;
  limit: number;
}

const columns = [
  'id', 'qualified_name', 'type_name', 'name', 'attributes', 'version', 'upstream_open_incidents', 'derived_attributes',
  'created_at', 'updated_at', 'deleted_at',
] as const;

type Row = {
  id: number; qualified_name: string; type_name: string; name: string | null; attributes: Record<string, unknown>;
  version: number; upstream_open_incidents: number; derived_attributes: Record<string, unknown>; created_at: Date; updated_at: Date; deleted_at: Date | null;
};

const toAsset = (r: Row): AssetRow => ({
  id: r.id, qualifiedName: r.qualified_name, typeName: r.type_name, name: r.name, attributes: r.attributes,
  version: r.version, upstreamOpenIncidents: r.upstream_open_incidents, derivedAttributes: r.derived_attributes, createdAt: r.created_at,
  updatedAt: r.updated_at, deletedAt: r.deleted_at,
});

/** The asset's links to open incidents (an index-only read: see the incidents repository's `open` and `critical`). */
const openIncidentsOfAsset = sql`FROM incident_assets ia WHERE ia.tenant_id = a.tenant_id AND ia.asset_id = a.id AND ia.open`;

/**
 * Health as the API defines it, in SQL so that lists can filter on it: critical with an open SEV-1/2
 * incident, warning with another open incident or an open one upstream, else healthy. Over the
 * asset's open links.
 */
const statusOf = sql<HealthStatus>`CASE
    WHEN bool_or(ia.critical) THEN 'critical'
    WHEN count(*) > 0 OR a.upstream_open_incidents > 0 THEN 'warning'
    ELSE 'healthy' END`;
const healthOf = sql<HealthStatus>`(SELECT ${statusOf} ${openIncidentsOfAsset})`;

export interface AssetHealth {
  status: HealthStatus;
  openIncidents: number;
}

export class AssetsRepository {
  /**
   * Locks the named assets (live or deleted) for the rest of the transaction and returns the ones
   * that exist. Names that do not exist yet are locked too, through advisory locks taken in sorted
   * order, so two requests creating the same asset cannot both believe they created it, and two bulk
   * requests cannot deadlock.
   */
  async lockByNames(tx: TenantTx, names: string[]): Promise<Map<string, AssetRow>> {
    if (names.length === 0) return new Map();
    const sorted = [...names].sort();
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${tx.tenantId} || '/' || n, 0))
              FROM unnest(${sorted}::text[]) AS n ORDER BY n`.execute(tx.db);
    const rows = await tx.db.selectFrom('assets').select(columns)
      .where('tenant_id', '=', tx.tenantId).where('qualified_name', 'in', names)
      .forUpdate().execute();
    return new Map(rows.map((r) => [r.qualified_name, toAsset(r)]));
  }

  async insertMany(tx: TenantTx, assets: AssetWrite[]): Promise<Map<string, number>> {
    if (assets.length === 0) return new Map();
    const rows = await sql<{ id: number; qualified_name: string }>`
      INSERT INTO assets (tenant_id, qualified_name, type_name, name, attributes, version)
      SELECT ${tx.tenantId}, u.qualified_name, u.type_name, u.name, u.attributes, u.version
      FROM unnest(${assets.map((a) => a.qualifiedName)}::text[], ${assets.map((a) => a.typeName)}::text[],
                  ${assets.map((a) => a.name)}::text[], ${assets.map((a) => JSON.stringify(a.attributes))}::jsonb[],
                  ${assets.map((a) => a.version)}::int[])
        AS u(qualified_name, type_name, name, attributes, version)
      RETURNING id, qualified_name`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.qualified_name, r.id]));
  }

  /** Rewrites existing assets (and brings soft-deleted ones back: the caller clears what their old life left). */
  async updateMany(tx: TenantTx, assets: (AssetWrite & { id: number })[]): Promise<void> {
    if (assets.length === 0) return;
    await sql`
      UPDATE assets a SET type_name = u.type_name, name = u.name, attributes = u.attributes, version = u.version,
                          updated_at = now(), deleted_at = NULL
      FROM unnest(${assets.map((x) => x.id)}::bigint[], ${assets.map((x) => x.typeName)}::text[],
                  ${assets.map((x) => x.name)}::text[], ${assets.map((x) => JSON.stringify(x.attributes))}::jsonb[],
                  ${assets.map((x) => x.version)}::int[])
        AS u(id, type_name, name, attributes, version)
      WHERE a.tenant_id = ${tx.tenantId} AND a.id = u.id`.execute(tx.db);
  }

  /** The asset of that name, live or deleted (a deleted one keeps its row, and its name, until it is created again). */
  async findAny(tx: TenantTx, qualifiedName: string): Promise<AssetRow | undefined> {
    const row = await tx.db.selectFrom('assets').select(columns)
      .where('tenant_id', '=', tx.tenantId).where('qualified_name', '=', qualifiedName).executeTakeFirst();
    return row && toAsset(row);
  }

  /** A live asset, locked for update when `lock` is set. */
  async findLive(tx: TenantTx, qualifiedName: string, lock = false): Promise<AssetRow | undefined> {
    let q = tx.db.selectFrom('assets').select(columns)
      .where('tenant_id', '=', tx.tenantId).where('qualified_name', '=', qualifiedName).where('deleted_at', 'is', null);
    if (lock) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row && toAsset(row);
  }

  async findLiveByNames(tx: TenantTx, names: string[]): Promise<Map<string, AssetRow>> {
    if (names.length === 0) return new Map();
    const rows = await tx.db.selectFrom('assets').select(columns)
      .where('tenant_id', '=', tx.tenantId).where('qualified_name', 'in', names).where('deleted_at', 'is', null)
      .execute();
    return new Map(rows.map((r) => [r.qualified_name, toAsset(r)]));
  }

  /** Ids of assets by name, deleted ones included (a deleted source must still be found to retract what it propagated). */
  async idsByNames(tx: TenantTx, names: string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = await tx.db.selectFrom('assets').select(['id', 'qualified_name'])
      .where('tenant_id', '=', tx.tenantId).where('qualified_name', 'in', names).execute();
    return new Map(rows.map((r) => [r.qualified_name, r.id]));
  }

  /** Live assets by id, with everything rules read from them. */
  async findLiveByIds(tx: TenantTx, ids: number[]): Promise<Map<number, AssetRow>> {
    if (ids.length === 0) return new Map();
    const rows = await sql<Row>`SELECT * FROM assets WHERE tenant_id = ${tx.tenantId} AND id = ANY (${ids}::bigint[]) AND deleted_at IS NULL`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.id, toAsset(r)]));
  }

  /** Names and types of assets by id (live or deleted): enough to label edges, nodes and events. */
  async namesByIds(tx: TenantTx, ids: number[]): Promise<Map<number, { qualifiedName: string; typeName: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await sql<{ id: number; qualified_name: string; type_name: string }>`
      SELECT id, qualified_name, type_name FROM assets WHERE tenant_id = ${tx.tenantId} AND id = ANY (${ids}::bigint[])`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.id, { qualifiedName: r.qualified_name, typeName: r.type_name }]));
  }

  /**
   * Live assets whose `owner` attribute (text) is one of these names, case-insensitive: the assets
   * that lose their owner when a person or group leaves the directory.
   */
  async liveOwnedBy(tx: TenantTx, names: string[]): Promise<{ qualifiedName: string; owner: string }[]> {
    const lowered = [...new Set(names.filter((n) => n.length > 0).map((n) => n.toLowerCase()))];
    if (lowered.length === 0) return [];
    const { rows } = await sql<{ qualified_name: string; owner: string }>`
      SELECT qualified_name, attributes ->> 'owner' AS owner FROM assets
      WHERE tenant_id = ${tx.tenantId} AND deleted_at IS NULL AND jsonb_typeof(attributes -> 'owner') = 'string'
        AND lower(attributes ->> 'owner') = ANY (${lowered}::text[])
      ORDER BY qualified_name`.execute(tx.db);
    return rows.map((r) => ({ qualifiedName: r.qualified_name, owner: r.owner }));
  }

  /** One more version of each of these assets: id → its new version. */
  async bumpVersions(tx: TenantTx, ids: number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await tx.db.updateTable('assets').set({ version: sql`version + 1`, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', 'in', ids).returning(['id', 'version']).execute();
    return new Map(rows.map((r) => [Number(r.id), r.version]));
  }

  async softDelete(tx: TenantTx, id: number): Promise<number> {
    const row = await tx.db.updateTable('assets')
      .set({ version: sql`version + 1`, updated_at: sql`now()`, deleted_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', id).returning('version').executeTakeFirstOrThrow();
    return row.version;
  }

  /** One page of live assets in qualified-name order, with their health. */
  async list(tx: TenantTx, f: AssetListFilter): Promise<(AssetRow & { health: HealthStatus })[]> {
    const rows = await sql<Row & { health: HealthStatus }>`
      SELECT * FROM (
        SELECT a.*, ${healthOf} AS health FROM assets a
        WHERE a.tenant_id = ${tx.tenantId} AND a.deleted_at IS NULL
          ${f.typeName !== undefined ? sql`AND a.type_name = ${f.typeName}` : sql``}
          ${f.after !== undefined ? sql`AND a.qualified_name > ${f.after}` : sql``}
          ${f.q !== undefined ? sql`AND (strpos(lower(a.qualified_name), lower(${f.q})) > 0
                                       OR strpos(lower(coalesce(a.name, '')), lower(${f.q})) > 0)` : sql``}
          ${f.tag !== undefined ? sql`AND EXISTS (SELECT 1 FROM classifications c
                                                 WHERE c.tenant_id = a.tenant_id AND c.asset_id = a.id AND c.name = ${f.tag})` : sql``}
        ${f.health === undefined ? sql`ORDER BY a.qualified_name LIMIT ${f.limit}` : sql``}
      ) page
      ${f.health !== undefined ? sql`WHERE page.health = ${f.health} ORDER BY page.qualified_name LIMIT ${f.limit}` : sql``}`
      .execute(tx.db);
    return rows.rows.map((r) => ({ ...toAsset(r), health: r.health }));
  }

  /** The health status and open-incident count of live assets: the fields an `asset.health.changed` event reports. */
  async healthByIds(tx: TenantTx, ids: number[]): Promise<Map<number, AssetHealth>> {
    if (ids.length === 0) return new Map();
    // One pass over each asset's open links for both; an incident naming the asset through two tables counts once.
    const rows = await sql<{ id: number; health: HealthStatus; open_incidents: number }>`
      SELECT a.id, h.health, h.open_incidents
      FROM assets a JOIN unnest(${ids}::bigint[]) AS n(id) ON a.id = n.id,
        LATERAL (SELECT ${statusOf} AS health, count(DISTINCT ia.incident_id)::int AS open_incidents ${openIncidentsOfAsset}) h
      WHERE a.tenant_id = ${tx.tenantId} AND a.deleted_at IS NULL`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.id, { status: r.health, openIncidents: r.open_incidents }]));
  }
}
