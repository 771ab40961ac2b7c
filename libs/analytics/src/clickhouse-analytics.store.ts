import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { invalid } from '@tributary/errors';
import type { TenantId } from '@tributary/store';
import {
  AnalyticsCounts, AnalyticsStore, AssetFact, EdgeFact, FactBatch, Hotspot, ImpactAnswer, ImpactQuery, IncidentFact, TableDiskUsage,
} from './analytics-store';
import { DatabaseOf, SHARED_DATABASE, TenantDatabases } from './clickhouse-database';
import type { IncidentSummary, TrendGranularity, TrendGroupBy, TrendSeries } from './incident-analytics';
import { Migration } from './clickhouse-migrations';
import { fromClickHouseTime, toClickHouseTime } from './clickhouse-time';
import { CLOSURE_DEPTH, ClosureMaintenance, ClosureUpdateStats, MAX_DEPTH } from './closure-maintenance';
import { ClickHouseStatements } from './clickhouse-statements';
import { closureLookup } from './closure-lookup';
import { ClosureSearch } from './closure-search';
import { checkRange, trendBuckets } from './trend-buckets';

export interface ClickHouseAnalyticsOptions {
  /**
   * K: the closure holds pairs up to K hops (default CLOSURE_DEPTH, 6); deeper answers jump through
   * it. A store's closure must be rebuilt (reset, then the facts again) when K changes.
   */
  closureDepth?: number;
  /** told of each closure update (metrics, the scale check) */
  onClosureUpdate?: (stats: ClosureUpdateStats) => void;
}

/**
 * The analytics store on ClickHouse: the same class and SQL for a server (by URL) and for the engine
 * in-process (chdb); only the client differs (see open-analytics-store.ts).
 *
 * Reads use FINAL. The tables are ReplacingMergeTrees whose older rows of a key stay until a
 * background merge, and a replayed batch or an update adds such rows: FINAL collapses each key to its
 * newest version at read time (and hides closure tombstones), so an answer never counts a key twice
 * and never depends on when ClickHouse merged. Queries filter on the sort key's prefix (tenant, then
 * ancestor or node), so FINAL reads only the ranges they touch.
 *
 * Every query carries `tenant_id = {tenant:String}`, also in a dedicated tenant's own database.
 * Joins are written as subqueries with IN and at most two tables per JOIN: ClickHouse's join
 * reordering turned a three-table join into a cross product on this machine.
 */
export class ClickHouseAnalyticsStore implements AnalyticsStore {
  readonly engine = 'clickhouse' as const;
  private readonly databases: TenantDatabases;
  private readonly closure: ClosureMaintenance;
  /** Per database and tenant: the last closure version handed out (updates of one tenant come from one writer at a time, in order). */
  private readonly closureVersions = new Map<string, Promise<number>>();

  private readonly sql: ClickHouseStatements;
  private readonly search: ClosureSearch;
  private readonly closureDepth: number;
  private readonly onClosureUpdate: (stats: ClosureUpdateStats) => void;

  constructor(
    private readonly client: ClickHouseClient,
    migrations: Migration[],
    databaseOf: DatabaseOf,
    options: ClickHouseAnalyticsOptions = {},
  ) {
    this.closureDepth = options.closureDepth ?? CLOSURE_DEPTH;
    if (!Number.isInteger(this.closureDepth) || this.closureDepth < 1 || this.closureDepth > MAX_DEPTH) {
      throw invalid('analytics_closure_depth', `the closure depth must be an integer from 1 to ${MAX_DEPTH}, not ${this.closureDepth}`);
    }
    this.onClosureUpdate = options.onClosureUpdate ?? (() => undefined);
    this.sql = new ClickHouseStatements(client);
    this.databases = new TenantDatabases(client, databaseOf, migrations);
    this.closure = new ClosureMaintenance(this.sql, this.closureDepth);
    this.search = new ClosureSearch(this.sql, this.closureDepth);
  }

  async migrate(): Promise<void> {
    await this.databases.ensureMigrated(SHARED_DATABASE);
  }

  async apply(tenantId: TenantId, batch: FactBatch): Promise<void> {
    const db = await this.databases.of(tenantId);
    const tenant = String(tenantId);
    for (const change of await this.closure.pending(db, tenant)) {
      this.onClosureUpdate(await this.closure.update(db, tenant, change));
    }
    const assets = newestPerKey(batch.assets ?? [], (a) => a.qualifiedName);
    const edges = newestPerKey(batch.edges ?? [], (e) => edgeKey(e.from, e.to));
    const incidents = newestPerKey(batch.incidents ?? [], (i) => i.id);

    const storedAssets = await this.storedAssets(db, tenant, assets.map((a) => a.qualifiedName));
    const newAssets = assets.filter((a) => a.version > (storedAssets.get(a.qualifiedName)?.version ?? -1));
    const flippedAssets = newAssets.filter((a) => !a.deleted !== (storedAssets.has(a.qualifiedName) && !storedAssets.get(a.qualifiedName)!.deleted));
    const flipped = flippedAssets.map((a) => a.qualifiedName);
    const storedEdges = await this.storedEdgeVersions(db, tenant, edges);
    const newEdges = edges.filter((e) => e.version > (storedEdges.get(edgeKey(e.from, e.to)) ?? -1));
    const storedIncidents = await this.storedIncidentVersions(db, tenant, incidents.map((i) => i.id));
    const newIncidents = incidents.filter((i) => i.version > (storedIncidents.get(i.id) ?? -1));

    // the changed edges: the newer edge facts, and every present edge of an asset that appeared or went away
    const changed = [...newEdges.map((e) => [e.from, e.to] as const), ...(await this.presentEdgesOf(db, tenant, flipped))];
    const change = changed.length === 0 ? null : {
      batchId: randomUUID().replaceAll('-', ''),
      sources: changed.map(([from]) => from),
      targets: changed.map(([, to]) => to),
      version: await this.nextClosureVersion(db, tenant),
    };
    // nothing removed and nothing deleted: the closure only gains pairs (the fast path)
    const additionsOnly = newEdges.every((e) => e.present) && flippedAssets.every((a) => !a.deleted);
    if (change) await this.closure.record(db, tenant, change);

    await this.writeAssets(db, tenant, newAssets);
    await this.writeEdges(db, tenant, newEdges);
    await this.writeIncidents(db, tenant, newIncidents);

    if (change) this.onClosureUpdate(await this.closure.update(db, tenant, change, additionsOnly));
  }

  async diskUsage(): Promise<TableDiskUsage[]> {
    const rows = await this.sql.rows<{ table: string; rows: string | number; bytes: string | number }>(
      `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
       WHERE active AND database = {database:String} GROUP BY table ORDER BY table`, { database: SHARED_DATABASE });
    return rows.map((r) => ({ table: r.table, rows: Number(r.rows), bytes: Number(r.bytes) }));
  }

  async impact(tenantId: TenantId, query: ImpactQuery): Promise<ImpactAnswer> {
    checkDepth(query.maxDepth);
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 10_000) {
      throw invalid('analytics_limit', `limit must be an integer from 1 to 10000, not ${query.limit}`);
    }
    const db = await this.databases.of(tenantId);
    const tenant = String(tenantId);
    const params = { tenant, roots: query.roots, maxDepth: query.maxDepth };
    if (query.maxDepth <= this.closureDepth) {
      // within the closure: one lookup, each reached asset at its shortest depth from any root, the roots left out
      const { start, reached, table } = closureLookup(db, query.direction);
      return this.impactAnswer(db, query, params, `
        SELECT ${reached} AS node, min(depth) AS shortest FROM ${table} FINAL
        WHERE tenant_id = {tenant:String} AND depth <= {maxDepth:UInt8}
          AND ${start} IN (SELECT cityHash64(arrayJoin({roots:Array(String)})))
          AND ${reached} NOT IN (SELECT cityHash64(arrayJoin({roots:Array(String)})))
        GROUP BY node`);
    }
    return this.search.run(
      db,
      tenant,
      { seeds: `SELECT '' AS grp, cityHash64(arrayJoin({roots:Array(String)})) AS node`, params, direction: query.direction, maxDepth: query.maxDepth },
      (reached, searchParams) => this.impactAnswer(db, query, searchParams, `SELECT node, depth AS shortest FROM (${reached})`),
    );
  }

  /** The impact's aggregates and page over `reached` (node, shortest): one query for each. */
  private async impactAnswer(db: string, query: ImpactQuery, params: Record<string, unknown>, reached: string): Promise<ImpactAnswer> {
    // the reached assets read by key, and the (smaller) reached set on the join's right, where ClickHouse builds its hash table
    const assetsReached = `
      SELECT r.shortest AS depth, a.qualified_name AS qualified_name, a.type_name AS type_name, a.owner AS owner
      FROM (
        SELECT node, qualified_name, type_name, owner FROM ${db}.assets FINAL
        WHERE tenant_id = {tenant:String} AND deleted = 0 AND node IN (SELECT node FROM (${reached}))
      ) AS a
      INNER JOIN (${reached}) AS r ON r.node = a.node`;
    const groups = await this.sql.rows<{ depth: number; type_name: string; owner: string | null; n: string | number }>(
      `SELECT depth, type_name, owner, count() AS n FROM (${assetsReached}) GROUP BY depth, type_name, owner`,
      params,
    );
    const page = await this.sql.rows<{ qualified_name: string; type_name: string; depth: number; owner: string | null }>(
      `SELECT qualified_name, type_name, depth, owner FROM (${assetsReached})
       WHERE qualified_name > {after:String} ORDER BY qualified_name LIMIT {limit:UInt32}`,
      { ...params, after: query.after ?? '', limit: query.limit + 1 },
    );
    const more = page.length > query.limit;
    const assets = page.slice(0, query.limit).map((r) => ({ qualifiedName: r.qualified_name, typeName: r.type_name, depth: Number(r.depth), owner: r.owner }));
    const byDepth = new Map<number, number>();
    const byType = new Map<string, number>();
    const owners = new Map<string, number>();
    let total = 0;
    for (const g of groups) {
      const n = Number(g.n);
      total += n;
      byDepth.set(Number(g.depth), (byDepth.get(Number(g.depth)) ?? 0) + n);
      byType.set(g.type_name, (byType.get(g.type_name) ?? 0) + n);
      if (g.owner !== null) owners.set(g.owner, (owners.get(g.owner) ?? 0) + n);
    }
    return {
      total,
      byDepth: [...byDepth].map(([depth, count]) => ({ depth, count })).sort((a, b) => a.depth - b.depth),
      byType: [...byType].map(([typeName, count]) => ({ typeName, count })).sort((a, b) => b.count - a.count || a.typeName.localeCompare(b.typeName)),
      owners: [...owners].map(([owner, n]) => ({ owner, assets: n })).sort((a, b) => b.assets - a.assets || a.owner.localeCompare(b.owner)),
      assets,
      next: more ? assets[assets.length - 1].qualifiedName : null,
    };
  }

  async blastRadius(tenantId: TenantId, maxDepth: number): Promise<{ incidentId: string; assets: number }[]> {
    checkDepth(maxDepth);
    const db = await this.databases.of(tenantId);
    const tenant = String(tenantId);
    // The open incidents and their assets, read once and passed back as parameters: the reach below
    // refers to them three times, and a subquery with FINAL would be evaluated for each.
    const open = await this.sql.rows<{ id: string; names: string[] }>(
      `SELECT i.id AS id, l.names AS names
       FROM (SELECT id FROM ${db}.incidents FINAL WHERE tenant_id = {tenant:String} AND status = 'open') AS i
       LEFT JOIN (
         SELECT incident_id, groupArray(qualified_name) AS names FROM ${db}.incident_assets FINAL
         WHERE tenant_id = {tenant:String} AND linked = 1 GROUP BY incident_id
       ) AS l ON l.incident_id = i.id`,
      { tenant },
    );
    const params = { tenant, maxDepth, ids: open.flatMap((o) => o.names.map(() => o.id)), names: open.flatMap((o) => o.names) };
    const links = 'SELECT pair.1 AS grp, cityHash64(pair.2) AS node FROM (SELECT arrayJoin(arrayZip({ids:Array(String)}, {names:Array(String)})) AS pair)';
    const counted = (rows: { grp: string; assets: string | number }[]) => {
      const reached = new Map(rows.map((r) => [r.grp, Number(r.assets)]));
      return open.map((o) => ({ incidentId: o.id, assets: reached.get(o.id) ?? 0 }))
        .sort((a, b) => b.assets - a.assets || (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : 0));
    };
    if (maxDepth <= this.closureDepth) {
      // an incident's own assets are its roots, not part of its radius (as in impact); the links,
      // a few per incident, on the join's right where ClickHouse builds its hash table
      return counted(await this.sql.rows(
        `SELECT grp, uniqExact(descendant) AS assets
         FROM (
           SELECT l.grp AS grp, c.descendant AS descendant
           FROM (
             SELECT ancestor, descendant FROM ${db}.closure_pairs FINAL
             WHERE tenant_id = {tenant:String} AND depth <= {maxDepth:UInt8} AND ancestor IN (SELECT node FROM (${links}))
           ) AS c
           INNER JOIN (${links}) AS l ON l.node = c.ancestor
         )
         WHERE (grp, descendant) NOT IN (${links})
         GROUP BY grp`,
        params,
      ));
    }
    // the search leaves each group's roots (the incident's assets) out by itself
    return this.search.run(
      db,
      tenant,
      { seeds: links, params, direction: 'downstream', maxDepth },
      async (reached, searchParams) => counted(await this.sql.rows(`SELECT grp, count() AS assets FROM (${reached}) GROUP BY grp`, searchParams)),
    );
  }

  async hotspots(tenantId: TenantId, query: { since: Date; limit: number }): Promise<Hotspot[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000) {
      throw invalid('analytics_limit', `limit must be an integer from 1 to 1000, not ${query.limit}`);
    }
    const db = await this.databases.of(tenantId);
    // the incidents that count (open now, or opened in the window) on their assets
    const links = `
      SELECT ia.node AS node, ia.incident_id AS incident_id, i.is_open AS is_open, i.recent AS recent
      FROM (SELECT incident_id, node FROM ${db}.incident_assets FINAL WHERE tenant_id = {tenant:String} AND linked = 1) AS ia
      INNER JOIN (
        SELECT id, status = 'open' AS is_open, opened_at >= {since:DateTime64(3, 'UTC')} AS recent FROM ${db}.incidents FINAL
        WHERE tenant_id = {tenant:String} AND (status = 'open' OR opened_at >= {since:DateTime64(3, 'UTC')})
      ) AS i ON i.id = ia.incident_id`;
    const rows = await this.sql.rows<{ qualifiedName: string; open: string | number; recent: string | number }>(
      `SELECT a.qualified_name AS qualifiedName, h.open AS open, h.recent AS recent
       FROM (
         SELECT c.descendant AS node, uniqExactIf(l.incident_id, l.is_open) AS open, uniqExactIf(l.incident_id, l.recent) AS recent
         FROM (
           SELECT ancestor, descendant FROM ${db}.closure_pairs FINAL
           WHERE tenant_id = {tenant:String} AND ancestor IN (SELECT node FROM (${links}))
         ) AS c
         INNER JOIN (${links}) AS l ON l.node = c.ancestor
         GROUP BY c.descendant
       ) AS h
       INNER JOIN (SELECT node, qualified_name FROM ${db}.assets FINAL WHERE tenant_id = {tenant:String} AND deleted = 0) AS a ON a.node = h.node
       ORDER BY open DESC, recent DESC, qualifiedName
       LIMIT {limit:UInt32}`,
      { tenant: String(tenantId), since: toClickHouseTime(query.since), limit: query.limit },
    );
    return rows.map((r) => ({ qualifiedName: r.qualifiedName, upstreamOpenIncidents: Number(r.open), upstreamIncidents: Number(r.recent) }));
  }

  async incidentTrends(
    tenantId: TenantId,
    query: { from: Date; to: Date; granularity: TrendGranularity; groupBy: TrendGroupBy },
  ): Promise<TrendSeries[]> {
    const buckets = trendBuckets(query.from, query.to, query.granularity);
    const db = await this.databases.of(tenantId);
    const incidents = `SELECT id, type, ifNull(severity, 'none') AS severity, source, status, opened_at, resolved_at
                       FROM ${db}.incidents FINAL
                       WHERE tenant_id = {tenant:String} AND opened_at < {to:DateTime64(3, 'UTC')}
                         AND (resolved_at IS NULL OR resolved_at >= {from:DateTime64(3, 'UTC')})`;
    // an incident on several assets counts once in each asset's series
    const keyed = query.groupBy === 'asset'
      ? `SELECT ia.qualified_name AS key, i.opened_at AS opened_at, i.resolved_at AS resolved_at
         FROM (${incidents}) AS i
         INNER JOIN (SELECT incident_id, qualified_name FROM ${db}.incident_assets FINAL WHERE tenant_id = {tenant:String} AND linked = 1) AS ia
           ON ia.incident_id = i.id`
      : `SELECT ${query.groupBy} AS key, opened_at, resolved_at FROM (${incidents})`;
    const rows = await this.sql.rows<{ key: string; bucket_start: string; opened: string | number; resolved: string | number; open_at_end: string | number }>(
      `SELECT key, toString(bucket) AS bucket_start,
              countIf(opened_at >= bucket AND opened_at < bucket_end) AS opened,
              countIf(resolved_at IS NOT NULL AND resolved_at >= bucket AND resolved_at < bucket_end) AS resolved,
              countIf(opened_at < bucket_end AND (resolved_at IS NULL OR resolved_at >= bucket_end)) AS open_at_end
       FROM (${keyed})
       ARRAY JOIN {starts:Array(DateTime64(3, 'UTC'))} AS bucket, {ends:Array(DateTime64(3, 'UTC'))} AS bucket_end
       GROUP BY key, bucket
       ORDER BY key, bucket_start`,
      {
        tenant: String(tenantId),
        // the buckets' whole extent: the first and last bucket may reach past the range's ends
        from: toClickHouseTime(buckets[0].start),
        to: toClickHouseTime(buckets[buckets.length - 1].end),
        starts: buckets.map((b) => toClickHouseTime(b.start)),
        ends: buckets.map((b) => toClickHouseTime(b.end)),
      },
    );
    const series = new Map<string, TrendSeries>();
    for (const r of rows) {
      let s = series.get(r.key);
      if (!s) series.set(r.key, (s = { key: r.key, points: [] }));
      s.points.push({ time: fromClickHouseTime(r.bucket_start), opened: Number(r.opened), resolved: Number(r.resolved), openAtEnd: Number(r.open_at_end) });
    }
    return [...series.values()];
  }

  async incidentSummary(tenantId: TenantId, query: { from: Date; to: Date }): Promise<IncidentSummary> {
    checkRange(query.from, query.to);
    const db = await this.databases.of(tenantId);
    const [row] = await this.sql.rows<{ open_now: string | number; opened: string | number; resolved: string | number; ack: number | null; resolve: number | null }>(
      `SELECT countIf(status = 'open') AS open_now,
              countIf(in_range) AS opened,
              countIf(resolved_at IS NOT NULL AND resolved_at >= {from:DateTime64(3, 'UTC')} AND resolved_at < {to:DateTime64(3, 'UTC')}) AS resolved,
              avgIf(dateDiff('millisecond', opened_at, acknowledged_at) / 1000, in_range AND acknowledged_at IS NOT NULL) AS ack,
              avgIf(dateDiff('millisecond', opened_at, resolved_at) / 1000, in_range AND resolved_at IS NOT NULL) AS resolve
       FROM (
         SELECT status, opened_at, acknowledged_at, resolved_at,
                opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AS in_range
         FROM ${db}.incidents FINAL WHERE tenant_id = {tenant:String}
       )`,
      { tenant: String(tenantId), from: toClickHouseTime(query.from), to: toClickHouseTime(query.to) },
    );
    const mean = (v: number | null) => (v === null || Number.isNaN(Number(v)) ? null : Number(v));
    return {
      openNow: Number(row.open_now),
      opened: Number(row.opened),
      resolved: Number(row.resolved),
      meanSecondsToAcknowledge: mean(row.ack),
      meanSecondsToResolve: mean(row.resolve),
    };
  }

  async counts(tenantId: TenantId): Promise<AnalyticsCounts> {
    const db = await this.databases.of(tenantId);
    const [row] = await this.sql.rows<Record<keyof AnalyticsCounts, string | number>>(
      `SELECT
         (SELECT count() FROM ${db}.assets FINAL WHERE tenant_id = {tenant:String} AND deleted = 0) AS assets,
         (SELECT count() FROM ${db}.edges FINAL WHERE tenant_id = {tenant:String} AND present = 1) AS edges,
         (SELECT count() FROM ${db}.incidents FINAL WHERE tenant_id = {tenant:String}) AS incidents,
         (SELECT count() FROM ${db}.incident_assets FINAL WHERE tenant_id = {tenant:String} AND linked = 1) AS incidentLinks,
         (SELECT count() FROM ${db}.closure_pairs FINAL WHERE tenant_id = {tenant:String}) AS closurePairs`,
      { tenant: String(tenantId) },
    );
    return {
      assets: Number(row.assets),
      edges: Number(row.edges),
      incidents: Number(row.incidents),
      incidentLinks: Number(row.incidentLinks),
      closurePairs: Number(row.closurePairs),
    };
  }

  async reset(tenantId: TenantId): Promise<void> {
    const db = await this.databases.of(tenantId);
    for (const table of ['assets', 'edges', 'incidents', 'incident_assets', 'closure_pairs', 'closure_pairs_by_descendant', 'closure_pending']) {
      // a mutation that has finished when the call returns: a rebuild's first writes must not be deleted with the old rows
      await this.client.command({
        query: `ALTER TABLE ${db}.${table} DELETE WHERE tenant_id = {tenant:String}`,
        query_params: { tenant: String(tenantId) },
        clickhouse_settings: { mutations_sync: '2' },
      });
    }
    this.closureVersions.delete(`${db}\u0000${tenantId}`);
  }

  async reload(tenantId: TenantId, pages: AsyncIterable<FactBatch>): Promise<void> {
    await this.reset(tenantId);
    const db = await this.databases.of(tenantId);
    const tenant = String(tenantId);
    for await (const page of pages) {
      await this.writeAssets(db, tenant, newestPerKey(page.assets ?? [], (a) => a.qualifiedName));
      await this.writeEdges(db, tenant, newestPerKey(page.edges ?? [], (e) => edgeKey(e.from, e.to)));
      await this.writeIncidents(db, tenant, newestPerKey(page.incidents ?? [], (i) => i.id));
    }
    this.onClosureUpdate(await this.closure.build(db, tenant, await this.nextClosureVersion(db, tenant)));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private nextClosureVersion(db: string, tenant: string): Promise<number> {
    const key = `${db}\u0000${tenant}`;
    const last = this.closureVersions.get(key) ?? this.closure.lastVersion(db, tenant);
    // A change owns versions next … next + K: its closure rows take one per round of additions (at
    // most K) or, recomputed, next + K; the mark that it is done next + 1 (in closure_pending). At
    // least the clock in microseconds: a version this process has not seen (a rebuild run by another
    // process since) is older than now, so the closure rows written next still win.
    const next = last.then((v) => Math.max(v + 1, Date.now() * 1000));
    this.closureVersions.set(key, next.then((v) => v + this.closureDepth));
    next.catch(() => this.closureVersions.delete(key));
    return next;
  }

  private async storedAssets(db: string, tenant: string, names: string[]): Promise<Map<string, { version: number; deleted: boolean }>> {
    if (names.length === 0) return new Map();
    const rows = await this.sql.rows<{ qualified_name: string; version: string | number; deleted: number }>(
      `SELECT qualified_name, version, deleted FROM ${db}.assets FINAL
       WHERE tenant_id = {tenant:String} AND node IN (SELECT cityHash64(arrayJoin({names:Array(String)})))`,
      { tenant, names },
    );
    return new Map(rows.map((r) => [r.qualified_name, { version: Number(r.version), deleted: Number(r.deleted) === 1 }]));
  }

  private async storedEdgeVersions(db: string, tenant: string, edges: EdgeFact[]): Promise<Map<string, number>> {
    if (edges.length === 0) return new Map();
    const rows = await this.sql.rows<{ src_name: string; dst_name: string; version: string | number }>(
      `SELECT src_name, dst_name, version FROM ${db}.edges FINAL
       WHERE tenant_id = {tenant:String} AND (src, dst) IN (
         SELECT cityHash64(pair.1), cityHash64(pair.2) FROM (SELECT arrayJoin(arrayZip({froms:Array(String)}, {tos:Array(String)})) AS pair))`,
      { tenant, froms: edges.map((e) => e.from), tos: edges.map((e) => e.to) },
    );
    return new Map(rows.map((r) => [edgeKey(r.src_name, r.dst_name), Number(r.version)]));
  }

  private async storedIncidentVersions(db: string, tenant: string, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.rows<{ id: string; version: string | number }>(
      `SELECT id, version FROM ${db}.incidents FINAL WHERE tenant_id = {tenant:String} AND id IN {ids:Array(String)}`,
      { tenant, ids },
    );
    return new Map(rows.map((r) => [r.id, Number(r.version)]));
  }

  private async presentEdgesOf(db: string, tenant: string, names: string[]): Promise<(readonly [string, string])[]> {
    if (names.length === 0) return [];
    const rows = await this.sql.rows<{ src_name: string; dst_name: string }>(
      `SELECT src_name, dst_name FROM ${db}.edges FINAL
       WHERE tenant_id = {tenant:String} AND present = 1
         AND (src IN (SELECT cityHash64(arrayJoin({names:Array(String)}))) OR dst IN (SELECT cityHash64(arrayJoin({names:Array(String)}))))`,
      { tenant, names },
    );
    return rows.map((r) => [r.src_name, r.dst_name] as const);
  }

  private async writeAssets(db: string, tenant: string, assets: AssetFact[]): Promise<void> {
    await this.sql.insert(`${db}.assets`, assets.map((a) => ({
      tenant_id: tenant, qualified_name: a.qualifiedName, type_name: a.typeName, owner: a.owner, deleted: a.deleted ? 1 : 0, version: a.version,
    })));
  }

  private async writeEdges(db: string, tenant: string, edges: EdgeFact[]): Promise<void> {
    await this.sql.insert(`${db}.edges`, edges.map((e) => ({
      tenant_id: tenant, src_name: e.from, dst_name: e.to, present: e.present ? 1 : 0, version: e.version,
    })));
  }

  /** The incident rows, and its links: each listed asset linked, each asset a previous version listed and this one does not unlinked. */
  private async writeIncidents(db: string, tenant: string, incidents: IncidentFact[]): Promise<void> {
    if (incidents.length === 0) return;
    const linkedBefore = await this.sql.rows<{ incident_id: string; qualified_name: string }>(
      `SELECT incident_id, qualified_name FROM ${db}.incident_assets FINAL
       WHERE tenant_id = {tenant:String} AND linked = 1 AND incident_id IN {ids:Array(String)}`,
      { tenant, ids: incidents.map((i) => i.id) },
    );
    const links: Record<string, unknown>[] = [];
    for (const incident of incidents) {
      const now = new Set(incident.assets);
      for (const name of now) links.push({ tenant_id: tenant, incident_id: incident.id, qualified_name: name, linked: 1, version: incident.version });
      for (const before of linkedBefore) {
        if (before.incident_id === incident.id && !now.has(before.qualified_name)) {
          links.push({ tenant_id: tenant, incident_id: incident.id, qualified_name: before.qualified_name, linked: 0, version: incident.version });
        }
      }
    }
    await this.sql.insert(`${db}.incidents`, incidents.map((i) => ({
      tenant_id: tenant,
      id: i.id,
      source: i.source,
      type: i.type,
      severity: i.severity,
      status: i.status,
      opened_at: toClickHouseTime(i.openedAt),
      acknowledged_at: i.acknowledgedAt && toClickHouseTime(i.acknowledgedAt),
      resolved_at: i.resolvedAt && toClickHouseTime(i.resolvedAt),
      version: i.version,
    })));
    await this.sql.insert(`${db}.incident_assets`, links);
  }
}

/** A batch may carry several versions of one key: only the newest can win, so only it is compared and written. */
function newestPerKey<T extends { version: number }>(facts: T[], key: (fact: T) => string): T[] {
  const newest = new Map<string, T>();
  for (const fact of facts) {
    const k = key(fact);
    const seen = newest.get(k);
    if (!seen || fact.version >= seen.version) newest.set(k, fact);
  }
  return [...newest.values()];
}

const edgeKey = (from: string, to: string) => `${from}\u0000${to}`;

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw invalid('analytics_depth', `depth must be an integer from 1 to ${MAX_DEPTH}, not ${depth}`);
  }
}
