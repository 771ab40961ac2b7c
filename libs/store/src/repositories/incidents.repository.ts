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

export interface IncidentRow {
  id: string;
  source: string;
  externalId: string;
  connectorId: string | null;
  type: string;
  rawType: string | null;
  severity: string | null;
  status: 'open' | 'resolved';
  rawStatus: string | null;
  title: string | null;
  url: string | null;
  owner: string | null;
  startedAt: Date;
  updatedAt: Date;
  sourceTime: Date | null;
}

export interface IncidentTableRow {
  incidentId: string;
  sourceRef: string;
  qualifiedName: string | null;
  assetId: number | null;
}

export interface IncidentListFilter {
  status?: 'open' | 'resolved';
  source?: string;
  assetId?: number;
  before?: { updatedAt: Date; id: string };
  limit: number;
}

type Row = {
  id: string; source: string; external_id: string; connector_id: string | null; type: string; raw_type: string | null;
  severity: string | null; status: 'open' | 'resolved'; raw_status: string | null; title: string | null; url: string | null;
  owner: string | null; started_at: Date; updated_at: Date; source_time: Date | null;
};

const toIncident = (r: Row): IncidentRow => ({
  id: r.id, source: r.source, externalId: r.external_id, connectorId: r.connector_id, type: r.type, rawType: r.raw_type,
  severity: r.severity, status: r.status, rawStatus: r.raw_status, title: r.title, url: r.url, owner: r.owner,
  startedAt: r.started_at, updatedAt: r.updated_at, sourceTime: r.source_time,
});

const columns = ['id', 'source', 'external_id', 'connector_id', 'type', 'raw_type', 'severity', 'status', 'raw_status',
  'title', 'url', 'owner', 'started_at', 'updated_at', 'source_time'] as const;

/** An open incident of these severities makes its assets critical (API.md's health). */
const CRITICAL_SEVERITIES = ['SEV-1', 'SEV-2'];
export const isCriticalSeverity = (severity: string | null) => severity !== null && CRITICAL_SEVERITIES.includes(severity);

/** What a link to incident `i` carries (see `addTables`): whether it is open, and open with a critical severity. */
const linkOpen = sql<boolean>`i.status = 'open'`;
const linkCritical = sql<boolean>`i.status = 'open' AND coalesce(i.severity = ANY (${CRITICAL_SEVERITIES}::text[]), false)`;

/**
 * Source statuses that mean someone has taken the incident up: Monte Carlo's feedback values that
 * leave it open but say it is being looked at (see its normalizer's status mapping), whatever the
 * case and separators (`Work In Progress`, `work-in-progress` → `work_in_progress`).
 */
const ACKNOWLEDGING_STATUSES = new Set(['investigating', 'acknowledged', 'work_in_progress']);
export const isAcknowledgingStatus = (rawStatus: string | null) =>
  rawStatus !== null && ACKNOWLEDGING_STATUSES.has(rawStatus.trim().toLowerCase().replace(/[\s_-]+/g, '_'));

export class IncidentsRepository {
  /**
   * Claims delivery keys, each with the time its delivery was received; returns the keys that are
   * new, or were last claimed by a delivery received at least `windowMs` before (the sender's retry
   * window is over, so the same bytes are a new observation: Monte Carlo's deliveries carry no time,
   * and investigating → fixed → investigating repeats a body). The others are redeliveries. Needs no
   * pruning of old keys to be right; pruning only keeps the table small.
   */
  async claimDeliveries(tx: TenantTx, claims: ReadonlyMap<string, Date>, windowMs: number): Promise<Set<string>> {
    if (claims.size === 0) return new Set();
    const rows = await sql<{ event_key: string }>`
      INSERT INTO processed_events AS p (tenant_id, event_key, processed_at)
      SELECT ${tx.tenantId}, k, r FROM unnest(${[...claims.keys()]}::text[], ${[...claims.values()]}::timestamptz[]) AS u(k, r)
      ON CONFLICT (tenant_id, event_key) DO UPDATE SET processed_at = EXCLUDED.processed_at
        WHERE p.processed_at <= EXCLUDED.processed_at - make_interval(secs => ${windowMs / 1000})
      RETURNING event_key`.execute(tx.db);
    return new Set(rows.rows.map((r) => r.event_key));
  }

  /**
   * Locks the incidents of these source ids for the transaction (advisory locks in sorted order for
   * the ones that do not exist yet, so two writers cannot both create one) and returns those that exist.
   */
  async lockBySourceIds(tx: TenantTx, source: string, externalIds: string[]): Promise<Map<string, IncidentRow>> {
    if (externalIds.length === 0) return new Map();
    const sorted = [...new Set(externalIds)].sort();
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${tx.tenantId} || '/incident/' || ${source} || '/' || x, 0))
              FROM unnest(${sorted}::text[]) AS x ORDER BY x`.execute(tx.db);
    const rows = await tx.db.selectFrom('incidents').select(columns).where('tenant_id', '=', tx.tenantId)
      .where('source', '=', source).where('external_id', 'in', sorted).forUpdate().execute();
    return new Map(rows.map((r) => [r.external_id, toIncident(r)]));
  }

  /** The status of those of these source ids that exist, without locking them. */
  async statusesBySourceIds(tx: TenantTx, source: string, externalIds: string[]): Promise<Map<string, 'open' | 'resolved'>> {
    if (externalIds.length === 0) return new Map();
    const rows = await tx.db.selectFrom('incidents').select(['external_id', 'status']).where('tenant_id', '=', tx.tenantId)
      .where('source', '=', source).where('external_id', 'in', [...new Set(externalIds)]).execute();
    return new Map(rows.map((r) => [r.external_id, r.status]));
  }

  /** One connector's open incidents of one source, by external id, paged in external-id order after `after`. */
  async openExternalIds(tx: TenantTx, connectorId: string, source: string, after: string | null, limit: number): Promise<string[]> {
    let q = tx.db.selectFrom('incidents').select('external_id').where('tenant_id', '=', tx.tenantId)
      .where('connector_id', '=', connectorId).where('source', '=', source).where('status', '=', 'open');
    if (after !== null) q = q.where('external_id', '>', after);
    return (await q.orderBy('external_id').limit(limit).execute()).map((r) => r.external_id);
  }

  /**
   * Inserts or updates incidents, and keeps their links' `open` and `critical` in step (see `addTables`).
   * Stamps the incident's times from the written state: acknowledged_at the first time its source
   * status means acknowledged (kept after), resolved_at when it turns resolved (kept while it stays
   * resolved, cleared when it opens again), each at the written `updatedAt`.
   */
  async upsert(tx: TenantTx, rows: (IncidentRow & { raw: unknown })[]): Promise<void> {
    if (rows.length === 0) return;
    const written = await tx.db.insertInto('incidents').values(rows.map((r) => ({
      id: r.id, tenant_id: tx.tenantId, source: r.source, external_id: r.externalId, connector_id: r.connectorId, type: r.type,
      raw_type: r.rawType, severity: r.severity, status: r.status, raw_status: r.rawStatus, title: r.title, url: r.url,
      owner: r.owner, started_at: r.startedAt, updated_at: r.updatedAt, source_time: r.sourceTime, raw: JSON.stringify(r.raw),
      acknowledged_at: isAcknowledgingStatus(r.rawStatus) ? r.updatedAt : null, resolved_at: r.status === 'resolved' ? r.updatedAt : null,
    }))).onConflict((oc) => oc.columns(['tenant_id', 'source', 'external_id']).doUpdateSet((eb) => ({
      acknowledged_at: sql<Date | null>`COALESCE(incidents.acknowledged_at, excluded.acknowledged_at)`,
      resolved_at: sql<Date | null>`CASE WHEN excluded.status = 'resolved' THEN COALESCE(incidents.resolved_at, excluded.resolved_at) END`,
      type: eb.ref('excluded.type'), raw_type: eb.ref('excluded.raw_type'), severity: eb.ref('excluded.severity'),
      status: eb.ref('excluded.status'), raw_status: eb.ref('excluded.raw_status'), title: eb.ref('excluded.title'),
      url: eb.ref('excluded.url'), owner: eb.ref('excluded.owner'), updated_at: eb.ref('excluded.updated_at'),
      source_time: eb.ref('excluded.source_time'), connector_id: eb.ref('excluded.connector_id'), raw: eb.ref('excluded.raw'),
    }))).returning('id').execute();
    await sql`
      UPDATE incident_assets ia SET open = ${linkOpen}, critical = ${linkCritical}
      FROM incidents i
      WHERE i.tenant_id = ${tx.tenantId} AND i.id = ANY (${written.map((w) => w.id)}::uuid[])
        AND ia.tenant_id = i.tenant_id AND ia.incident_id = i.id AND (ia.open, ia.critical) IS DISTINCT FROM (${linkOpen}, ${linkCritical})`.execute(tx.db);
  }

  /**
   * Adds the tables an incident touches (after the incident is written); a known table keeps the
   * asset it already resolved to. Each link carries whether its incident is open and open with a
   * critical severity, so that an asset's health reads only its open links.
   */
  /** Adds the links (or resolves their asset); returns the incidents whose links this changed. */
  async addTables(tx: TenantTx, rows: IncidentTableRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const changed = await sql<{ incident_id: string }>`
      INSERT INTO incident_assets (tenant_id, incident_id, source_ref, qualified_name, asset_id, open, critical)
      SELECT ${tx.tenantId}, u.incident_id, u.source_ref, u.qualified_name, u.asset_id,
             ${linkOpen}, ${linkCritical}
      FROM unnest(${rows.map((r) => r.incidentId)}::uuid[], ${rows.map((r) => r.sourceRef)}::text[],
                  ${rows.map((r) => r.qualifiedName)}::text[], ${rows.map((r) => r.assetId)}::bigint[])
        AS u(incident_id, source_ref, qualified_name, asset_id)
        LEFT JOIN incidents i ON i.tenant_id = ${tx.tenantId} AND i.id = u.incident_id
      ON CONFLICT (tenant_id, incident_id, source_ref) DO UPDATE
        SET qualified_name = EXCLUDED.qualified_name,
            asset_id = COALESCE(EXCLUDED.asset_id, incident_assets.asset_id)
        WHERE incident_assets.qualified_name IS DISTINCT FROM EXCLUDED.qualified_name
           OR incident_assets.asset_id IS DISTINCT FROM COALESCE(EXCLUDED.asset_id, incident_assets.asset_id)
      RETURNING incident_id`.execute(tx.db);
    return new Set(changed.rows.map((r) => r.incident_id));
  }

  /** Attaches the unresolved references that name these (new) assets; returns the asset ids touched. */
  async attachUnresolved(tx: TenantTx, assets: { id: number; qualifiedName: string }[]): Promise<number[]> {
    if (assets.length === 0) return [];
    const rows = await sql<{ asset_id: number }>`
      UPDATE incident_assets ia SET asset_id = u.id
      FROM unnest(${assets.map((a) => a.id)}::bigint[], ${assets.map((a) => a.qualifiedName)}::text[]) AS u(id, qualified_name)
      WHERE ia.tenant_id = ${tx.tenantId} AND ia.asset_id IS NULL AND ia.qualified_name = u.qualified_name
      RETURNING ia.asset_id`.execute(tx.db);
    return [...new Set(rows.rows.map((r) => r.asset_id))];
  }

  async assetIdsOf(tx: TenantTx, incidentIds: string[]): Promise<number[]> {
    if (incidentIds.length === 0) return [];
    const rows = await tx.db.selectFrom('incident_assets').select('asset_id').distinct()
      .where('tenant_id', '=', tx.tenantId).where('incident_id', 'in', incidentIds).where('asset_id', 'is not', null).execute();
    return rows.map((r) => r.asset_id!);
  }

  /** Those of these incidents that exist in the tenant. */
  async getMany(tx: TenantTx, ids: string[]): Promise<IncidentRow[]> {
    if (ids.length === 0) return [];
    const rows = await tx.db.selectFrom('incidents').select(columns).where('tenant_id', '=', tx.tenantId).where('id', 'in', [...new Set(ids)]).execute();
    return rows.map(toIncident);
  }

  /** The incidents of these ids that exist in the tenant. */
  async byIds(tx: TenantTx, ids: string[]): Promise<IncidentRow[]> {
    if (ids.length === 0) return [];
    const rows = await tx.db.selectFrom('incidents').select(columns).where('tenant_id', '=', tx.tenantId).where('id', 'in', ids).execute();
    return rows.map(toIncident);
  }

  async get(tx: TenantTx, id: string): Promise<IncidentRow | undefined> {
    const r = await tx.db.selectFrom('incidents').select(columns).where('tenant_id', '=', tx.tenantId).where('id', '=', id).executeTakeFirst();
    return r && toIncident(r);
  }

  /** Newest first, keyset-paged by (updated_at, id). */
  async list(tx: TenantTx, f: IncidentListFilter): Promise<IncidentRow[]> {
    let q = tx.db.selectFrom('incidents').select(columns).where('tenant_id', '=', tx.tenantId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.source) q = q.where('source', '=', f.source);
    if (f.assetId !== undefined) {
      const assetId = f.assetId;
      q = q.where('id', 'in', (eb) => eb.selectFrom('incident_assets').select('incident_id')
        .where('tenant_id', '=', tx.tenantId).where('asset_id', '=', assetId));
    }
    if (f.before) {
      const b = f.before;
      q = q.where((eb) => eb.or([eb('updated_at', '<', b.updatedAt), eb.and([eb('updated_at', '=', b.updatedAt), eb('id', '<', b.id)])]));
    }
    return (await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute()).map(toIncident);
  }

  async tablesOf(tx: TenantTx, incidentIds: string[]): Promise<(IncidentTableRow & { assetLive: boolean })[]> {
    if (incidentIds.length === 0) return [];
    const rows = await sql<{ incident_id: string; source_ref: string; qualified_name: string | null; asset_id: number | null; live: boolean }>`
      SELECT ia.incident_id, ia.source_ref, ia.qualified_name, ia.asset_id, (a.id IS NOT NULL AND a.deleted_at IS NULL) AS live
      FROM incident_assets ia LEFT JOIN assets a ON a.id = ia.asset_id AND a.tenant_id = ia.tenant_id
      WHERE ia.tenant_id = ${tx.tenantId} AND ia.incident_id = ANY (${incidentIds}::uuid[])
      ORDER BY ia.incident_id, ia.source_ref`.execute(tx.db);
    return rows.rows.map((r) => ({ incidentId: r.incident_id, sourceRef: r.source_ref, qualifiedName: r.qualified_name, assetId: r.asset_id, assetLive: r.live }));
  }

  /** The incidents attached to the given assets, newest first. */
  async forAssets(tx: TenantTx, assetIds: number[]): Promise<AssetIncidentRow[]> {
    if (assetIds.length === 0) return [];
    const rows = await sql<{
      asset_id: number; id: string; source: string; external_id: string; type: string; severity: string | null;
      status: 'open' | 'resolved'; title: string | null; url: string | null; started_at: Date; updated_at: Date;
    }>`
      SELECT DISTINCT ia.asset_id, i.id, i.source, i.external_id, i.type, i.severity, i.status, i.title, i.url,
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
