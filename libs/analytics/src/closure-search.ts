import { randomUUID } from 'node:crypto';
import type { ClickHouseStatements } from './clickhouse-statements';
import { closureLookup } from './closure-lookup';
import type { Direction } from './analytics-store';

/**
 * Walks deeper than the closure's depth K by jumps through it. A shortest path to a node at
 * distance L > iK passes through a node at distance exactly iK (every part of a shortest path is
 * shortest), so from the nodes found at exactly iK one closure lookup (≤ K hops) finds every node
 * at distance up to (i+1)K, at iK + its shortest closure depth from any of them; nodes already found
 * keep their (smaller) depth. ⌈maxDepth / K⌉ rounds, each one INSERT … SELECT into search_staging
 * under this search's id: the state lives in ClickHouse, so a search over many groups (every open
 * incident) never passes through Node.
 *
 * Seeds are rows (grp, node) at depth 0: a group's roots. The result is every (grp, node, depth)
 * with 0 < depth ≤ maxDepth, a group's roots left out, read by the caller before the search's
 * partition is dropped.
 */
export class ClosureSearch {
  constructor(
    private readonly sql: ClickHouseStatements,
    /** K: the closure holds pairs up to this many hops */
    private readonly depth: number,
  ) {}

  async run<T>(
    db: string,
    tenant: string,
    search: { seeds: string; params: Record<string, unknown>; direction: Direction; maxDepth: number },
    read: (reached: string, params: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    const searchId = randomUUID().replaceAll('-', '');
    const params = { ...search.params, tenant, search: searchId };
    const { start, reached, table } = closureLookup(db, search.direction);
    try {
      await this.sql.exec(
        `INSERT INTO ${db}.search_staging (search_id, grp, node, depth) SELECT DISTINCT {search:String}, grp, node, 0 FROM (${search.seeds})`,
        params,
      );
      for (let base = 0; base < search.maxDepth; base += this.depth) {
        const frontier = `SELECT grp, node FROM ${db}.search_staging WHERE search_id = {search:String} AND depth = {base:UInt8}`;
        await this.sql.exec(
          `INSERT INTO ${db}.search_staging (search_id, grp, node, depth)
           SELECT {search:String}, grp, reached, shortest
           FROM (
             SELECT f.grp AS grp, c.reached AS reached, {base:UInt8} + min(c.hops) AS shortest
             FROM (${frontier}) AS f
             INNER JOIN (
               SELECT ${start} AS start, ${reached} AS reached, depth AS hops FROM ${table} FINAL
               WHERE tenant_id = {tenant:String} AND depth <= {hops:UInt8}
                 AND ${start} IN (SELECT node FROM (${frontier}))
             ) AS c ON c.start = f.node
             GROUP BY grp, reached
           )
           WHERE (grp, reached) NOT IN (SELECT grp, node FROM ${db}.search_staging WHERE search_id = {search:String})`,
          { ...params, base, hops: Math.min(this.depth, search.maxDepth - base) },
        );
        const [next] = await this.sql.rows<{ n: string | number }>(
          `SELECT count() AS n FROM ${db}.search_staging WHERE search_id = {search:String} AND depth = {next:UInt8}`,
          { search: searchId, next: base + this.depth },
        );
        if (Number(next.n) === 0) break;
      }
      return await read(`SELECT grp, node, depth FROM ${db}.search_staging WHERE search_id = {search:String} AND depth > 0`, params);
    } finally {
      await this.sql.exec(`ALTER TABLE ${db}.search_staging DROP PARTITION {search:String}`, { search: searchId });
    }
  }
}
