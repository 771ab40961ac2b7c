import { sql } from 'kysely';
import { TenantTx } from '../database';
import { frontierWalk } from './lineage.repository';

/*
 * The current state of assets, lineage edges and incidents: the analytics store's facts (the
 * `AssetFact`, `EdgeFact` and `IncidentFact` of @tributary/analytics, without their version: the
 * indexer stamps each with the change-feed sequence that made it read). The indexer reads them for
 * the keys a batch of changes touched, the rebuild reads them all, a page at a time.
 */

export interface AssetState {
  qualifiedName: string;
  typeName: string;
  /** `attributes.owner` when it is text, else null */
  owner: string | null;
  deleted: boolean;
}

export interface EdgeState {
  from: string;
  to: string;
  present: boolean;
}

export interface IncidentState {
  /** the catalog's incident id */
  id: string;
  source: string;
  type: string;
  severity: string | null;
  status: 'open' | 'resolved';
  openedAt: Date;
  /** when it was first acknowledged (a source status of investigating, acknowledged or work in progress), if ever */
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  /**
   * The qualified names of the assets its links resolved to, in order. A link to an asset deleted
   * since stays: the analytics store leaves deleted assets out of every answer itself, and an asset
   * created again under the name keeps its id, so the link holds again without a change to the incident.
   */
  assets: string[];
}

/** A page of a full read, and where the next one starts (null after the last). */
export interface FactPage<T, C> {
  items: T[];
  next: C | null;
}

export type EdgeCursor = { srcId: number; dstId: number };

/** What PostgreSQL holds of a tenant, counted as the analytics store counts its facts (`AnalyticsCounts`). */
export interface FactCounts {
  /** live assets (a deleted one is a fact too, but leaves every answer) */
  assets: number;
  edges: number;
  incidents: number;
  /** links of incidents resolved to an asset, live or deleted since */
  incidentLinks: number;
}

type AssetRow = { id: number; qualified_name: string; type_name: string; owner: string | null; deleted: boolean };
type IncidentRow = {
  id: string; source: string; type: string; severity: string | null; status: 'open' | 'resolved'; started_at: Date;
  acknowledged_at: Date | null; resolved_at: Date | null;
};

const toAsset = (r: AssetRow): AssetState => ({ qualifiedName: r.qualified_name, typeName: r.type_name, owner: r.owner, deleted: r.deleted });

/** `attributes.owner` when it is a JSON string: an owner given as an object or a list is not one owner's name. */
const assetColumns = sql`a.id, a.qualified_name, a.type_name,
  CASE WHEN jsonb_typeof(a.attributes -> 'owner') = 'string' THEN a.attributes ->> 'owner' END AS owner,
  a.deleted_at IS NOT NULL AS deleted`;

export class AnalyticsFactsRepository {
  /** The named assets that exist, deleted or not; names never created are left out. */
  async assetsByNames(tx: TenantTx, names: string[]): Promise<AssetState[]> {
    if (names.length === 0) return [];
    const rows = await sql<AssetRow>`
      SELECT ${assetColumns} FROM assets a
      WHERE a.tenant_id = ${tx.tenantId} AND a.qualified_name = ANY (${[...new Set(names)]}::text[])
      ORDER BY a.qualified_name`.execute(tx.db);
    return rows.rows.map(toAsset);
  }

  /** Each (from, to) pair asked, present when the edge exists now (an unknown asset name: not present). */
  async edgesByPairs(tx: TenantTx, pairs: { from: string; to: string }[]): Promise<EdgeState[]> {
    if (pairs.length === 0) return [];
    const rows = await sql<{ from: string; to: string; present: boolean }>`
      SELECT DISTINCT u.src AS "from", u.dst AS "to", e.src_id IS NOT NULL AS present
      FROM unnest(${pairs.map((p) => p.from)}::text[], ${pairs.map((p) => p.to)}::text[]) AS u(src, dst)
        LEFT JOIN assets s ON s.tenant_id = ${tx.tenantId} AND s.qualified_name = u.src
        LEFT JOIN assets d ON d.tenant_id = ${tx.tenantId} AND d.qualified_name = u.dst
        LEFT JOIN lineage_edges e ON e.tenant_id = ${tx.tenantId} AND e.src_id = s.id AND e.dst_id = d.id
      ORDER BY 1, 2`.execute(tx.db);
    return rows.rows;
  }

  /** The incidents of these ids that exist, with the assets their links resolved to. */
  async incidentsByIds(tx: TenantTx, ids: string[]): Promise<IncidentState[]> {
    if (ids.length === 0) return [];
    const rows = await sql<IncidentRow>`
      SELECT id, source, type, severity, status, started_at, acknowledged_at, resolved_at FROM incidents
      WHERE tenant_id = ${tx.tenantId} AND id = ANY (${[...new Set(ids)]}::uuid[])
      ORDER BY id`.execute(tx.db);
    return this.withAssets(tx, rows.rows);
  }

  /**
   * The incidents of these ids that exist, as `incidentsByIds` gives them, each with how many distinct
   * assets lie downstream of its live assets within `maxDepth` hops (the length of the lineage walk
   * from them; 0 without any). One statement for a whole ingest batch: incidents on the same set of
   * assets walk once, and sets with no edge out of them not at all.
   */
  async incidentsWithReach(tx: TenantTx, ids: string[], maxDepth: number): Promise<(IncidentState & { downstreamAssets: number })[]> {
    if (ids.length === 0) return [];
    const rows = await sql<IncidentRow & { names: string[]; reached: number }>`
      WITH RECURSIVE incident AS (
        SELECT i.id, i.source, i.type, i.severity, i.status, i.started_at, i.acknowledged_at, i.resolved_at,
          -- two references of one incident (two source tables) may map to one asset: it is on it once
          ARRAY(SELECT DISTINCT a.qualified_name FROM incident_assets ia JOIN assets a ON a.tenant_id = ia.tenant_id AND a.id = ia.asset_id
                WHERE ia.tenant_id = i.tenant_id AND ia.incident_id = i.id ORDER BY 1) AS names,
          ARRAY(SELECT DISTINCT a.id FROM incident_assets ia JOIN assets a ON a.tenant_id = ia.tenant_id AND a.id = ia.asset_id
                WHERE ia.tenant_id = i.tenant_id AND ia.incident_id = i.id AND a.deleted_at IS NULL ORDER BY 1) AS roots
        FROM incidents i
        WHERE i.tenant_id = ${tx.tenantId} AND i.id = ANY (${[...new Set(ids)]}::uuid[])
      ), seed AS (
        SELECT DISTINCT roots AS key, roots AS ids FROM incident
        WHERE EXISTS (SELECT 1 FROM lineage_edges e WHERE e.tenant_id = ${tx.tenantId} AND e.src_id = ANY (roots))
      ), ${frontierWalk(tx, sql`SELECT key, ids FROM seed`, 'downstream', maxDepth)}
      SELECT incident.*, COALESCE(reach.reached, 0) AS reached
      FROM incident LEFT JOIN (
        SELECT key, sum(cardinality(frontier))::int AS reached FROM walk WHERE depth > 0 GROUP BY key
      ) reach ON reach.key = incident.roots
      ORDER BY incident.id`.execute(tx.db);
    return rows.rows.map((r) => ({ ...toIncident(r, r.names), downstreamAssets: r.reached }));
  }

  /** The incidents with a link resolved to one of these assets (an asset created again, or at last, picks up links). */
  async incidentIdsOnAssets(tx: TenantTx, names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await sql<{ incident_id: string }>`
      SELECT DISTINCT ia.incident_id FROM assets a
        JOIN incident_assets ia ON ia.tenant_id = a.tenant_id AND ia.asset_id = a.id
      WHERE a.tenant_id = ${tx.tenantId} AND a.qualified_name = ANY (${[...new Set(names)]}::text[])
      ORDER BY 1`.execute(tx.db);
    return rows.rows.map((r) => r.incident_id);
  }

  /** Every asset, deleted ones included, in id order after `after`. */
  async assetsPage(tx: TenantTx, after: number | null, limit: number): Promise<FactPage<AssetState, number>> {
    const rows = await sql<AssetRow>`
      SELECT ${assetColumns} FROM assets a
      WHERE a.tenant_id = ${tx.tenantId} AND a.id > ${after ?? 0}
      ORDER BY a.id LIMIT ${limit}`.execute(tx.db);
    return { items: rows.rows.map(toAsset), next: rows.rows.length < limit ? null : rows.rows[rows.rows.length - 1].id };
  }

  /** Every edge (all present), in (source id, target id) order after `after`. */
  async edgesPage(tx: TenantTx, after: EdgeCursor | null, limit: number): Promise<FactPage<EdgeState, EdgeCursor>> {
    const rows = await sql<{ src_id: number; dst_id: number; from: string; to: string }>`
      SELECT e.src_id, e.dst_id, s.qualified_name AS "from", d.qualified_name AS "to"
      FROM lineage_edges e
        JOIN assets s ON s.tenant_id = e.tenant_id AND s.id = e.src_id
        JOIN assets d ON d.tenant_id = e.tenant_id AND d.id = e.dst_id
      WHERE e.tenant_id = ${tx.tenantId} AND (e.src_id, e.dst_id) > (${after?.srcId ?? 0}, ${after?.dstId ?? 0})
      ORDER BY e.src_id, e.dst_id LIMIT ${limit}`.execute(tx.db);
    const last = rows.rows[rows.rows.length - 1];
    return {
      items: rows.rows.map((r) => ({ from: r.from, to: r.to, present: true })),
      next: rows.rows.length < limit ? null : { srcId: last.src_id, dstId: last.dst_id },
    };
  }

  /** Every incident, with the assets its links resolved to, in id order after `after`. */
  async incidentsPage(tx: TenantTx, after: string | null, limit: number): Promise<FactPage<IncidentState, string>> {
    const rows = await sql<IncidentRow>`
      SELECT id, source, type, severity, status, started_at, acknowledged_at, resolved_at FROM incidents
      WHERE tenant_id = ${tx.tenantId} AND id > ${after ?? '00000000-0000-0000-0000-000000000000'}::uuid
      ORDER BY id LIMIT ${limit}`.execute(tx.db);
    return { items: await this.withAssets(tx, rows.rows), next: rows.rows.length < limit ? null : rows.rows[rows.rows.length - 1].id };
  }

  async counts(tx: TenantTx): Promise<FactCounts> {
    const row = (await sql<FactCounts>`
      SELECT (SELECT count(*) FROM assets WHERE tenant_id = ${tx.tenantId} AND deleted_at IS NULL)::int AS assets,
             (SELECT count(*) FROM lineage_edges WHERE tenant_id = ${tx.tenantId})::int AS edges,
             (SELECT count(*) FROM incidents WHERE tenant_id = ${tx.tenantId})::int AS incidents,
             (SELECT count(DISTINCT (incident_id, asset_id)) FROM incident_assets
               WHERE tenant_id = ${tx.tenantId} AND asset_id IS NOT NULL)::int AS "incidentLinks"`.execute(tx.db)).rows[0];
    return row;
  }

  private async withAssets(tx: TenantTx, rows: IncidentRow[]): Promise<IncidentState[]> {
    if (rows.length === 0) return [];
    // two references of one incident (two source tables) may map to one asset: it is on it once
    const links = await sql<{ incident_id: string; qualified_name: string }>`
      SELECT DISTINCT ia.incident_id, a.qualified_name
      FROM incident_assets ia JOIN assets a ON a.tenant_id = ia.tenant_id AND a.id = ia.asset_id
      WHERE ia.tenant_id = ${tx.tenantId} AND ia.incident_id = ANY (${rows.map((r) => r.id)}::uuid[])
      ORDER BY 1, 2`.execute(tx.db);
    const assets = new Map<string, string[]>();
    for (const l of links.rows) {
      const names = assets.get(l.incident_id);
      if (names) names.push(l.qualified_name);
      else assets.set(l.incident_id, [l.qualified_name]);
    }
    return rows.map((r) => toIncident(r, assets.get(r.id) ?? []));
  }
}

const toIncident = (r: IncidentRow, assets: string[]): IncidentState => ({
  id: r.id, source: r.source, type: r.type, severity: r.severity, status: r.status, openedAt: r.started_at,
  acknowledgedAt: r.acknowledged_at, resolvedAt: r.resolved_at, assets,
});
