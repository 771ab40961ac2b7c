import type { AnalyticsStore, Direction, ImpactAnswer } from '@tributary/analytics';
import { assetNotFound, IncidentsService, nameCursor, type ReadContext } from '@tributary/catalog';
import { AssetsRepository, Database } from '@tributary/store';
import { requireAnalyticsStore } from './analytics-engine';

export interface ImpactPageQuery {
  /** hops from the roots */
  depth: number;
  /** assets listed per page; the totals always cover every asset reached */
  limit: number;
  /** `nextCursor` of the previous page */
  cursor?: string;
}

/** What an impact answer says about the assets reached, whatever it started from. */
export interface ImpactReach {
  maxDepth: number;
  total: number;
  byDepth: { depth: number; count: number }[];
  byType: { typeName: string; count: number }[];
  owners: { owner: string; assets: number }[];
  assets: { qualifiedName: string; typeName: string; depth: number; owner: string | null }[];
  nextCursor: string | null;
}

export interface IncidentImpact extends ImpactReach {
  incident: { id: string; type: string; severity: string | null; status: 'open' | 'resolved'; assets: string[] };
}

export interface AssetImpact extends ImpactReach {
  root: string;
  direction: Direction;
}

/**
 * Blast radius: the assets reached downstream of an incident's assets, or up or downstream of one
 * asset, counted by depth, type and owner, with a page of them. The start is looked up in the catalog
 * (PostgreSQL, in the caller's tenant: another tenant's incident or asset is not found); the walk is
 * the analytics store's closure table, which the indexer keeps a moment behind the catalog.
 */
export class ImpactService {
  constructor(
    private readonly database: Database,
    private readonly incidents: IncidentsService,
    private readonly store: AnalyticsStore | null,
    private readonly assets = new AssetsRepository(),
  ) {}

  /** Downstream of the incident's assets (those it names that exist); the incident's own assets are not counted. */
  async ofIncident(ctx: ReadContext, id: string, query: ImpactPageQuery): Promise<IncidentImpact> {
    const after = afterOf(query);
    const store = requireAnalyticsStore(this.store);
    const incident = await this.incidents.get(ctx, id);
    const roots = [...new Set(incident.assets.flatMap((a) => (a.resolved && a.qualifiedName !== null ? [a.qualifiedName] : [])))].sort();
    // An incident on no known asset reaches nothing; the store is not asked about an empty start.
    const answer = roots.length === 0 ? NOTHING_REACHED
      : await store.impact(ctx.tenantId, { roots, direction: 'downstream', maxDepth: query.depth, limit: query.limit, after });
    return {
      incident: { id: incident.id, type: incident.type, severity: incident.severity, status: incident.status, assets: roots },
      ...reach(query.depth, answer),
    };
  }

  async ofAsset(ctx: ReadContext, qualifiedName: string, direction: Direction, query: ImpactPageQuery): Promise<AssetImpact> {
    const after = afterOf(query);
    const store = requireAnalyticsStore(this.store);
    const asset = await this.database.inTenant(ctx.tenantId, (tx) => this.assets.findLive(tx, qualifiedName));
    if (!asset) throw assetNotFound(qualifiedName);
    const answer = await store.impact(ctx.tenantId, { roots: [qualifiedName], direction, maxDepth: query.depth, limit: query.limit, after });
    return { root: qualifiedName, direction, ...reach(query.depth, answer) };
  }
}

const NOTHING_REACHED: ImpactAnswer = { total: 0, byDepth: [], byType: [], owners: [], assets: [], next: null };

/** The cursor is checked before anything is looked up: a forged one is 400 whatever else the request names. */
const afterOf = (query: ImpactPageQuery) => (query.cursor === undefined ? undefined : nameCursor.decode(query.cursor));

const reach = (maxDepth: number, a: ImpactAnswer): ImpactReach => ({
  maxDepth, total: a.total, byDepth: a.byDepth, byType: a.byType, owners: a.owners, assets: a.assets,
  nextCursor: a.next === null ? null : nameCursor.encode(a.next),
});
