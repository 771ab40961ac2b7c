import { sql } from 'kysely';
import { Database, DEFAULT_TENANT, LineageRepository, TenantTx } from '@tributary/store';

/**
 * The analytics questions asked of PostgreSQL, for the side-by-side: what the catalog's own store
 * would have to run without an analytics engine. The walks are the catalog's lineage walk
 * (LineageRepository.walk: a breadth-first search that expands each asset once), one per incident;
 * the aggregates are plain SQL.
 */
export class PostgresAnalytics {
  private readonly lineage = new LineageRepository();

  constructor(private readonly database: Database) {}

  /** The open incidents and the assets each is on (resolved links). */
  openIncidentRoots(): Promise<Map<string, number[]>> {
    return this.incidentRoots(sql`ia.open`);
  }

  /** The incidents opened since `since` and the assets each is on. */
  incidentRootsSince(since: Date): Promise<Map<string, number[]>> {
    return this.incidentRoots(sql`i.started_at >= ${since}`);
  }

  /** For each incident, the distinct assets its walk reaches within `maxDepth` hops, its own assets left out. */
  async reach(incidents: Map<string, number[]>, maxDepth: number): Promise<Map<string, number[]>> {
    const reached = new Map<string, number[]>();
    for (const [incidentId, roots] of incidents) {
      const walk = await this.database.inTenant(DEFAULT_TENANT, (tx) => this.lineage.walk(tx, roots, 'downstream', maxDepth));
      const own = new Set(roots);
      reached.set(incidentId, walk.map((r) => r.id).filter((id) => !own.has(id)));
    }
    return reached;
  }

  /** The single-asset impact: the walk, then the aggregates the API answers with (by depth, type, owner) and the first page. */
  async impact(rootId: number, maxDepth: number): Promise<{ total: number }> {
    return this.database.inTenant(DEFAULT_TENANT, async (tx) => {
      const walk = await this.lineage.walk(tx, [rootId], 'downstream', maxDepth);
      const ids = walk.map((r) => r.id);
      const depths = walk.map((r) => r.depth);
      await sql`
        WITH reached AS (
          SELECT w.id, w.depth, a.type_name, a.qualified_name,
                 CASE WHEN jsonb_typeof(a.attributes -> 'owner') = 'string' THEN a.attributes ->> 'owner' END AS owner
          FROM unnest(${ids}::bigint[], ${depths}::int[]) AS w(id, depth)
          JOIN assets a ON a.tenant_id = ${tx.tenantId} AND a.id = w.id
        )
        SELECT 'depth' AS k, depth::text AS v, count(*) FROM reached GROUP BY depth
        UNION ALL SELECT 'type', type_name, count(*) FROM reached GROUP BY type_name
        UNION ALL SELECT 'owner', owner, count(*) FROM reached WHERE owner IS NOT NULL GROUP BY owner
        UNION ALL (SELECT 'page', qualified_name, depth FROM reached ORDER BY qualified_name LIMIT 100)`.execute(tx.db);
      return { total: walk.length };
    });
  }

  /** Incidents opened and resolved per day and type over [from, to), and open at each day's end. */
  async dailyTrendsByType(from: Date, to: Date): Promise<{ day: Date; type: string; opened: number; resolved: number; openAtEnd: number }[]> {
    return this.database.inTenant(DEFAULT_TENANT, async (tx) => (await sql<{ day: Date; type: string; opened: number; resolved: number; open_at_end: number }>`
      WITH days AS (SELECT generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 day', interval '1 day') AS day),
      types AS (SELECT DISTINCT type FROM incidents WHERE tenant_id = ${tx.tenantId}),
      opened AS (SELECT date_trunc('day', started_at, 'UTC') AS day, type, count(*) AS n FROM incidents
                 WHERE tenant_id = ${tx.tenantId} AND started_at >= ${from} AND started_at < ${to} GROUP BY 1, 2),
      resolved AS (SELECT date_trunc('day', resolved_at, 'UTC') AS day, type, count(*) AS n FROM incidents
                   WHERE tenant_id = ${tx.tenantId} AND resolved_at >= ${from} AND resolved_at < ${to} GROUP BY 1, 2),
      before AS (SELECT type, count(*) FILTER (WHERE started_at < ${from}) - count(*) FILTER (WHERE resolved_at < ${from}) AS n
                 FROM incidents WHERE tenant_id = ${tx.tenantId} GROUP BY type)
      SELECT d.day, t.type, coalesce(o.n, 0)::int AS opened, coalesce(r.n, 0)::int AS resolved,
             (coalesce(b.n, 0) + sum(coalesce(o.n, 0) - coalesce(r.n, 0)) OVER (PARTITION BY t.type ORDER BY d.day))::int AS open_at_end
      FROM days d CROSS JOIN types t
      LEFT JOIN opened o ON o.day = d.day AND o.type = t.type
      LEFT JOIN resolved r ON r.day = d.day AND r.type = t.type
      LEFT JOIN before b ON b.type = t.type
      ORDER BY t.type, d.day`.execute(tx.db)).rows.map((r) => ({ day: r.day, type: r.type, opened: r.opened, resolved: r.resolved, openAtEnd: r.open_at_end })));
  }

  async assetIds(): Promise<Map<string, number>> {
    return this.database.inTenant(DEFAULT_TENANT, async (tx) => new Map((await sql<{ id: number; qualified_name: string }>`
      SELECT id, qualified_name FROM assets WHERE tenant_id = ${tx.tenantId}`.execute(tx.db)).rows.map((r) => [r.qualified_name, Number(r.id)])));
  }

  private async incidentRoots(where: ReturnType<typeof sql>): Promise<Map<string, number[]>> {
    return this.database.inTenant(DEFAULT_TENANT, async (tx: TenantTx) => {
      const rows = (await sql<{ incident_id: string; asset_id: number }>`
        SELECT DISTINCT ia.incident_id, ia.asset_id FROM incident_assets ia
        JOIN incidents i ON i.tenant_id = ia.tenant_id AND i.id = ia.incident_id
        WHERE ia.tenant_id = ${tx.tenantId} AND ia.asset_id IS NOT NULL AND ${where}
        ORDER BY 1, 2`.execute(tx.db)).rows;
      const roots = new Map<string, number[]>();
      for (const r of rows) roots.set(r.incident_id, [...(roots.get(r.incident_id) ?? []), Number(r.asset_id)]);
      return roots;
    });
  }
}
