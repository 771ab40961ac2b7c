import type { AnalyticsCounts, AnalyticsStore, FactBatch } from '@tributary/analytics';
import { AnalyticsFactsRepository, ChangeEventsRepository, Database, EdgeCursor, FactCounts, FactPage, TenantId, TenantTx } from '@tributary/store';

/** One count of the rebuild's proof: PostgreSQL's beside the analytics store's. */
export interface CountComparison {
  what: 'assets' | 'edges' | 'incidents' | 'incidentLinks';
  postgres: number;
  analytics: number;
}

export interface RebuildReport {
  tenantId: TenantId;
  /** the change-feed sequence the reloaded facts are stamped with */
  version: number;
  counts: CountComparison[];
  /** the store's closure pairs: nothing in PostgreSQL to compare them with (the closure property test proves them) */
  closurePairs: number;
  equal: boolean;
}

/** The counts that must agree after a rebuild, from what each side counts. */
export function compareCounts(postgres: FactCounts, analytics: AnalyticsCounts): CountComparison[] {
  return [
    { what: 'assets', postgres: postgres.assets, analytics: analytics.assets },
    { what: 'edges', postgres: postgres.edges, analytics: analytics.edges },
    { what: 'incidents', postgres: postgres.incidents, analytics: analytics.incidents },
    { what: 'incidentLinks', postgres: postgres.incidentLinks, analytics: analytics.incidentLinks },
  ];
}

/**
 * Reloads a tenant's analytics from PostgreSQL: hands every asset, edge and incident, a page at a
 * time (assets first, so that edges find their ends), to the store's `reload`, which forgets the
 * tenant, writes the pages and builds the closure once at the end; then compares the counts.
 *
 * The facts are stamped with the tenant's last committed sequence, read before the first page: what
 * the pages read is at least that new. If the indexer runs meanwhile (a ClickHouse server), the
 * changes committed after it carry higher sequences and win over the reloaded state, whichever is
 * written last; the counts may then differ by what changed during the rebuild.
 */
export class AnalyticsRebuild {
  constructor(
    private readonly database: Database,
    private readonly analytics: AnalyticsStore,
    private readonly pageSize = 5000,
    private readonly facts = new AnalyticsFactsRepository(),
    private readonly changes = new ChangeEventsRepository(),
  ) {}

  async rebuild(tenantId: TenantId): Promise<RebuildReport> {
    const version = await this.database.inTenant(tenantId, (tx) => this.changes.lastSequence(tx));
    await this.analytics.reload(tenantId, this.pages(tenantId, version));
    const postgres = await this.database.inTenant(tenantId, (tx) => this.facts.counts(tx));
    const analytics = await this.analytics.counts(tenantId);
    const counts = compareCounts(postgres, analytics);
    return { tenantId, version, counts, closurePairs: analytics.closurePairs, equal: counts.every((c) => c.postgres === c.analytics) };
  }

  /** The tenant's facts as pages, stamped with `version`. */
  private async *pages(tenantId: TenantId, version: number): AsyncGenerator<FactBatch> {
    const stamp = <T>(items: T[]) => items.map((item) => ({ ...item, version }));
    yield* this.pagesOf(tenantId, (tx, after: number | null) => this.facts.assetsPage(tx, after, this.pageSize), (items) => ({ assets: stamp(items) }));
    yield* this.pagesOf(tenantId, (tx, after: EdgeCursor | null) => this.facts.edgesPage(tx, after, this.pageSize), (items) => ({ edges: stamp(items) }));
    yield* this.pagesOf(tenantId, (tx, after: string | null) => this.facts.incidentsPage(tx, after, this.pageSize), (items) => ({ incidents: stamp(items) }));
  }

  /** Every page of one kind of fact, each read in a transaction of its own when the store asks for it. */
  private async *pagesOf<T, C>(tenantId: TenantId, page: (tx: TenantTx, after: C | null) => Promise<FactPage<T, C>>,
    toBatch: (items: T[]) => FactBatch): AsyncGenerator<FactBatch> {
    let after: C | null = null;
    do {
      const read: FactPage<T, C> = await this.database.inTenant(tenantId, (tx) => page(tx, after));
      if (read.items.length > 0) yield toBatch(read.items);
      after = read.next;
    } while (after !== null);
  }
}
