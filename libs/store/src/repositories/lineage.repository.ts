import { RawBuilder, sql } from 'kysely';
import { TenantTx } from '../database';

export type Direction = 'downstream' | 'upstream';

export interface EdgeIds {
  srcId: number;
  dstId: number;
}

export interface EdgeWrite extends EdgeIds {
  process: string | null;
}

export interface Reached {
  id: number;
  depth: number;
}

export class LineageRepository {
  /** Inserts the edges that do not exist yet and returns those it inserted. */
  async insertEdges(tx: TenantTx, edges: EdgeWrite[]): Promise<EdgeIds[]> {
    if (edges.length === 0) return [];
    const rows = await sql<{ src_id: number; dst_id: number }>`
      INSERT INTO lineage_edges (tenant_id, src_id, dst_id, process)
      SELECT ${tx.tenantId}, u.src_id, u.dst_id, u.process
      FROM unnest(${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[],
                  ${edges.map((e) => e.process)}::text[]) AS u(src_id, dst_id, process)
      ON CONFLICT DO NOTHING
      RETURNING src_id, dst_id`.execute(tx.db);
    return rows.rows.map((r) => ({ srcId: r.src_id, dstId: r.dst_id }));
  }

  /**
   * Removes these edges (a person's word) and returns those there were. The sources' claims on them go
   * too: a process or job that still makes one draws it again at its next word.
   */
  async deleteEdges(tx: TenantTx, edges: EdgeIds[]): Promise<EdgeIds[]> {
    if (edges.length === 0) return [];
    await this.forgetClaims(tx, sql`(src_id, dst_id) IN (SELECT * FROM unnest(${edges.map((x) => x.srcId)}::bigint[], ${edges.map((x) => x.dstId)}::bigint[]))`);
    const rows = await sql<{ src_id: number; dst_id: number }>`
      DELETE FROM lineage_edges e
      USING unnest(${edges.map((x) => x.srcId)}::bigint[], ${edges.map((x) => x.dstId)}::bigint[]) AS u(src_id, dst_id)
      WHERE e.tenant_id = ${tx.tenantId} AND e.src_id = u.src_id AND e.dst_id = u.dst_id
      RETURNING e.src_id, e.dst_id`.execute(tx.db);
    return rows.rows.map((r) => ({ srcId: r.src_id, dstId: r.dst_id }));
  }

  /**
   * Edges the process that drew them no longer makes: each one another process still makes (a
   * catalog process's claim, an OpenLineage job's) is handed to it, named by it from now on; the
   * others are removed, and returned. The caller has already withdrawn its own claims.
   */
  async release(tx: TenantTx, edges: EdgeIds[]): Promise<EdgeIds[]> {
    if (edges.length === 0) return [];
    const rows = await sql<{ src_id: number; dst_id: number }>`
      WITH heir AS (
        SELECT u.src_id, u.dst_id, (
          SELECT min(c.process) FROM (
            SELECT a.process FROM atlas_process_edges a WHERE a.tenant_id = ${tx.tenantId} AND a.src_id = u.src_id AND a.dst_id = u.dst_id
            UNION ALL
            SELECT j.process FROM openlineage_job_edges j WHERE j.tenant_id = ${tx.tenantId} AND j.src_id = u.src_id AND j.dst_id = u.dst_id
          ) c) AS process
        FROM unnest(${edges.map((e) => e.srcId)}::bigint[], ${edges.map((e) => e.dstId)}::bigint[]) AS u(src_id, dst_id)
      ), handed AS (
        UPDATE lineage_edges e SET process = h.process FROM heir h
        WHERE e.tenant_id = ${tx.tenantId} AND e.src_id = h.src_id AND e.dst_id = h.dst_id AND h.process IS NOT NULL
      )
      DELETE FROM lineage_edges e USING heir h
      WHERE e.tenant_id = ${tx.tenantId} AND e.src_id = h.src_id AND e.dst_id = h.dst_id AND h.process IS NULL
      RETURNING e.src_id, e.dst_id`.execute(tx.db);
    return rows.rows.map((r) => ({ srcId: Number(r.src_id), dstId: Number(r.dst_id) }));
  }

  /**
   * The edges into and out of an asset that move with it when its catalog renames it: those a person
   * drew (no process) and those a process drew that is no OpenLineage job.
   */
  async edgesToMove(tx: TenantTx, assetId: number): Promise<EdgeWrite[]> {
    const rows = await sql<{ src_id: string; dst_id: string; process: string | null }>`
      SELECT e.src_id, e.dst_id, e.process FROM lineage_edges e
      WHERE e.tenant_id = ${tx.tenantId} AND (e.src_id = ${assetId} OR e.dst_id = ${assetId})
        AND NOT EXISTS (SELECT 1 FROM openlineage_jobs o WHERE o.tenant_id = ${tx.tenantId} AND o.process = e.process)`.execute(tx.db);
    return rows.rows.map((r) => ({ srcId: Number(r.src_id), dstId: Number(r.dst_id), process: r.process }));
  }

  /** The edges that name this process (as the source that drew them set it). */
  async edgesOfProcess(tx: TenantTx, process: string): Promise<EdgeIds[]> {
    const rows = await tx.db.selectFrom('lineage_edges').select(['src_id', 'dst_id'])
      .where('tenant_id', '=', tx.tenantId).where('process', '=', process).execute();
    return rows.map((r) => ({ srcId: Number(r.src_id), dstId: Number(r.dst_id) }));
  }

  /**
   * Removes every edge into or out of an asset (it is being deleted) and returns them, with the
   * sources' claims on them: a process or job that still makes one draws it again once the asset is back.
   */
  async deleteEdgesOf(tx: TenantTx, assetId: number): Promise<EdgeIds[]> {
    await this.forgetClaims(tx, sql`(src_id = ${assetId} OR dst_id = ${assetId})`);
    const rows = await tx.db.deleteFrom('lineage_edges')
      .where('tenant_id', '=', tx.tenantId)
      .where((eb) => eb.or([eb('src_id', '=', assetId), eb('dst_id', '=', assetId)]))
      .returning(['src_id', 'dst_id']).execute();
    return rows.map((r) => ({ srcId: r.src_id, dstId: r.dst_id }));
  }

  /** Drops the claims on the edges `on` selects (by src_id and dst_id); a job that had one compares its next COMPLETE, however like its last. */
  private async forgetClaims(tx: TenantTx, on: RawBuilder<unknown>): Promise<void> {
    await sql`
      WITH gone AS (DELETE FROM openlineage_job_edges WHERE tenant_id = ${tx.tenantId} AND ${on} RETURNING process)
      UPDATE openlineage_jobs SET edges_digest = '' WHERE tenant_id = ${tx.tenantId} AND process IN (SELECT process FROM gone)`.execute(tx.db);
    await sql`DELETE FROM atlas_process_edges WHERE tenant_id = ${tx.tenantId} AND ${on}`.execute(tx.db);
  }

  /** Those of the given assets that have at least one edge out of them. */
  async withDownstream(tx: TenantTx, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await sql<{ src_id: number }>`
      SELECT DISTINCT src_id FROM lineage_edges WHERE tenant_id = ${tx.tenantId} AND src_id = ANY (${ids}::bigint[])`.execute(tx.db);
    return new Set(rows.rows.map((r) => r.src_id));
  }

  async walk(tx: TenantTx, rootIds: number[], direction: Direction, maxDepth: number): Promise<Reached[]> {
    return (await walkQuery(tx, rootIds, direction, maxDepth).execute(tx.db)).rows;
  }

  /**
   * Who owns what lies downstream of the roots within `maxDepth` hops: the live assets' owners
   * (`attributes.owner` when it is text), most assets first, at most `limit` of them.
   */
  async downstreamOwners(tx: TenantTx, rootIds: number[], maxDepth: number, limit: number): Promise<{ owner: string; assets: number }[]> {
    if (rootIds.length === 0) return [];
    const rows = await sql<{ owner: string; assets: number }>`
      SELECT a.attributes ->> 'owner' AS owner, count(*)::int AS assets
      FROM (${walkQuery(tx, rootIds, 'downstream', maxDepth)}) w
        JOIN assets a ON a.tenant_id = ${tx.tenantId} AND a.id = w.id AND a.deleted_at IS NULL
      WHERE jsonb_typeof(a.attributes -> 'owner') = 'string'
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`.execute(tx.db);
    return rows.rows;
  }

  /** The edges between the given assets (both ends in the set). */
  async edgesAmong(tx: TenantTx, ids: number[]): Promise<EdgeIds[]> {
    if (ids.length < 2) return [];
    const rows = await sql<{ src_id: number; dst_id: number }>`
      SELECT e.src_id, e.dst_id FROM unnest(${ids}::bigint[]) AS s(id)
      JOIN lineage_edges e ON e.tenant_id = ${tx.tenantId} AND e.src_id = s.id
      WHERE e.dst_id = ANY (${ids}::bigint[])`.execute(tx.db);
    return rows.rows.map((r) => ({ srcId: r.src_id, dstId: r.dst_id }));
  }
}

/**
 * The lineage walk: every asset reachable from the roots in one direction, each once, at its
 * shortest distance, up to `maxDepth` hops.
 *
 * One recursive query, level by level: each row of `walk` is a whole BFS frontier (the ids first
 * reached at that depth) plus every id seen so far. The next frontier is the frontier's neighbours
 * EXCEPT the seen ids (a hash set operation), so
 *  - cycles terminate: a seen asset is never expanded again;
 *  - diamonds cost nothing extra: an asset is expanded once, not once per path (a plain recursive
 *    CTE over (id, depth) enumerates paths, which explodes on diamond-heavy graphs);
 *  - the work is bounded by the edges of the reached subgraph plus depth x reached ids for the seen
 *    arrays, and the recursion stops at `maxDepth` or when a frontier comes back empty.
 * The frontier is joined (not `= ANY(frontier)`): with `ANY`, a planner without statistics (right
 * after a bulk load) scanned the wrong index and the walk was 10x slower (docs/benchmarks.md).
 */
export function walkQuery(tx: TenantTx, rootIds: number[], direction: Direction, maxDepth: number) {
  return sql<Reached>`
    WITH RECURSIVE ${frontierWalk(tx, sql`SELECT 0 AS key, ${rootIds}::bigint[] AS ids`, direction, maxDepth)}
    SELECT unnest(frontier) AS id, depth FROM walk WHERE depth > 0`;
}

/**
 * The walk's recursion as a CTE `walk(key, depth, frontier, seen)`, from every row (key, ids) of
 * `seeds` at once: each key's roots walk on their own, as `walkQuery` describes. For one statement
 * over many root sets (an ingest batch's incidents); the reach of a key is the union of its
 * frontiers at depth > 0. Put it after `WITH RECURSIVE`.
 */
export function frontierWalk(tx: TenantTx, seeds: RawBuilder<unknown>, direction: Direction, maxDepth: number) {
  const [from, to] = direction === 'downstream' ? [sql.ref('e.src_id'), sql.ref('e.dst_id')] : [sql.ref('e.dst_id'), sql.ref('e.src_id')];
  return sql`walk(key, depth, frontier, seen) AS (
      SELECT s.key, 0, s.ids, s.ids FROM (${seeds}) s
      UNION ALL
      SELECT w.key, w.depth + 1, n.ids, w.seen || n.ids
      FROM walk w
      CROSS JOIN LATERAL (
        SELECT array_agg(next.id) AS ids FROM (
          SELECT ${to} AS id FROM unnest(w.frontier) AS f(id)
          JOIN lineage_edges e ON e.tenant_id = ${tx.tenantId} AND ${from} = f.id
          EXCEPT
          SELECT unnest(w.seen)
        ) next
      ) n
      WHERE w.depth < ${maxDepth} AND n.ids IS NOT NULL
    )`;
}
