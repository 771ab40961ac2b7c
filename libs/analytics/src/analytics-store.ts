import type { AssetState, EdgeState, IncidentState, TenantId } from '@tributary/store';
import type { IncidentAnalytics } from './incident-analytics';

/*
 * The analytics port: the catalog's lineage, assets and incidents copied into an analytics engine
 * (ClickHouse; embedded: chdb in-process, distributed: a server by URL), for the joins over the
 * whole graph that PostgreSQL answers slowly (blast radius, hotspots, trends). The indexer feeds it
 * from the change log; nothing in a request path writes to it. Every method takes the tenant and
 * the adapter adds the tenant's predicate (or database) itself: no caller writes SQL.
 *
 * Writes are facts stamped with a version (the change feed's sequence number of the change that
 * produced them): a fact older than the one stored for the same key changes nothing, so a replayed
 * or reordered batch never double-counts.
 */

/** The change-feed sequence of the change that produced a fact: a fact older than the stored one changes nothing. */
interface Versioned {
  version: number;
}

/** An asset as PostgreSQL holds it; a deleted asset leaves every answer (and the closure) until it is created again. */
export type AssetFact = AssetState & Versioned;
/** A lineage edge; `present: false` when it was removed. */
export type EdgeFact = EdgeState & Versioned;
/** An incident with the qualified names of the assets its resolved links name. */
export type IncidentFact = IncidentState & Versioned;

export interface FactBatch {
  assets?: AssetFact[];
  edges?: EdgeFact[];
  incidents?: IncidentFact[];
}

export type Direction = 'downstream' | 'upstream';

export interface ImpactQuery {
  /** the assets the impact starts from (an incident's assets, or one asset) */
  roots: string[];
  direction: Direction;
  /** 1..50 hops */
  maxDepth: number;
  /** assets listed per page (the aggregates always cover every asset) */
  limit: number;
  /** the last qualified name of the previous page */
  after?: string;
}

export interface ImpactAnswer {
  /** assets reached, roots excluded, each once at its shortest depth from any root */
  total: number;
  byDepth: { depth: number; count: number }[];
  byType: { typeName: string; count: number }[];
  /** owners of the reached assets, most assets first; assets without an owner are left out */
  owners: { owner: string; assets: number }[];
  /** a page of the reached assets in qualified-name order */
  assets: { qualifiedName: string; typeName: string; depth: number; owner: string | null }[];
  /** pass as `after` for the next page; null after the last */
  next: string | null;
}

export interface Hotspot {
  qualifiedName: string;
  /** open incidents on assets upstream of it, within the closure's depth (6 hops by default; the store's `closureDepth`) */
  upstreamOpenIncidents: number;
  /** incidents opened in the window on assets upstream of it, within the same depth */
  upstreamIncidents: number;
}

/** What the store holds for a tenant: to prove a rebuild equal to PostgreSQL. */
export interface AnalyticsCounts {
  assets: number;
  edges: number;
  incidents: number;
  incidentLinks: number;
  closurePairs: number;
}

/** Also the embedded adapter of IncidentAnalytics (incident-analytics.ts). */
export interface AnalyticsStore extends IncidentAnalytics {
  /** Applies the store's schema migrations (clickhouse/), once each, in order; safe to run from several processes. */
  migrate(): Promise<void>;
  /** Writes a batch of facts and brings the closure (ancestor, descendant, shortest depth) up to date with them. */
  apply(tenantId: TenantId, batch: FactBatch): Promise<void>;
  impact(tenantId: TenantId, query: ImpactQuery): Promise<ImpactAnswer>;
  /** For each open incident, how many assets it reaches downstream within `maxDepth` (the whole tenant's blast radius in one query). */
  blastRadius(tenantId: TenantId, maxDepth: number): Promise<{ incidentId: string; assets: number }[]>;
  hotspots(tenantId: TenantId, query: { since: Date; limit: number }): Promise<Hotspot[]>;
  counts(tenantId: TenantId): Promise<AnalyticsCounts>;
  /** Forgets everything of the tenant (before a rebuild). */
  reset(tenantId: TenantId): Promise<void>;
  /**
   * A rebuild: forgets the tenant, writes every page's facts as they come (without comparing them with
   * stored versions and without closure maintenance: a fact of a key should appear in one page only),
   * then builds the closure once from every live asset. Applying the pages one by one would update a
   * growing closure after each.
   */
  reload(tenantId: TenantId, pages: AsyncIterable<FactBatch>): Promise<void>;
  /** Rows and bytes on disk per table of the shared database (its active parts): what a stored row costs, for the cost model. */
  diskUsage(): Promise<TableDiskUsage[]>;
  close(): Promise<void>;
}

export interface TableDiskUsage {
  table: string;
  rows: number;
  bytes: number;
}
