import type { Direction } from './analytics-store';
import type { ClickHouseStatements } from './clickhouse-statements';
import { closureLookup } from './closure-lookup';

/** A change that only adds effective edges: each edge `from → to` (qualified names), both ends live or not. */
export interface ClosureAddition {
  batchId: string;
  froms: string[];
  tos: string[];
  /** the change's first version: round r writes its pairs at version + r (ClosureMaintenance reserves depth + 1 versions a change) */
  version: number;
}

/**
 * The closure's fast path for a change that only adds edges (new lineage, an asset created again
 * with its edges): no pair gets longer or vanishes, so nothing is recomputed or tombstoned.
 *
 * A pair whose shortest path now uses new edges has, before its first new edge (u → v), a prefix of
 * old edges only, so a ∈ ancestors(u) ∪ {u} at its old depth; after it, a suffix that may use more
 * new edges. Round r joins every new edge's (u's ancestors) × (v's descendants) in the closure as
 * rounds before it left it, and writes the pairs that are new or shorter: after round r every pair
 * whose shortest path uses at most r new edges is right. Another round is needed only when a
 * round's pairs end at a new edge's source or start at a new edge's target (a path can then chain
 * two new edges); a lineage fan-in (new tables reading existing ones) needs one.
 */
export class ClosureAdditions {
  constructor(
    private readonly sql: ClickHouseStatements,
    /** K: the closure holds pairs up to this many hops */
    private readonly depth: number,
  ) {}

  /** Adds the pairs; returns the rounds it took. The caller drops the batch's staging partitions. */
  async add(db: string, tenant: string, change: ClosureAddition): Promise<number> {
    const batch = change.batchId;
    // the added edges whose both ends are live, once: every statement below reads them
    await this.sql.exec(
      `INSERT INTO ${db}.closure_edges_staging (batch_id, src, dst)
       SELECT {batch:String}, u, v FROM (
         SELECT DISTINCT cityHash64(pair.1) AS u, cityHash64(pair.2) AS v
         FROM (SELECT arrayJoin(arrayZip({froms:Array(String)}, {tos:Array(String)})) AS pair)
       )
       WHERE u <> v
         AND u IN (${live(db)}) AND v IN (${live(db)})`,
      { batch, tenant, froms: change.froms, tos: change.tos },
    );
    const edges = `SELECT src AS u, dst AS v FROM ${db}.closure_edges_staging WHERE batch_id = {batch:String}`;
    // an added edge's end (u or v), as `end`, with each node within K − 1 hops of it in `direction`
    // (the end itself at 0), as `node` at `hops`
    const around = (end: 'u' | 'v', direction: Direction, node: string, hops: string) => {
      const { start, reached, table } = closureLookup(db, direction);
      return `
        SELECT ${start} AS ${end}, ${reached} AS ${node}, depth AS ${hops} FROM ${table} FINAL
        WHERE tenant_id = {tenant:String} AND depth < {depth:UInt8} AND ${start} IN (SELECT ${end} FROM (${edges}))
        UNION ALL
        SELECT DISTINCT ${end}, ${end} AS ${node}, toUInt8(0) AS ${hops} FROM (${edges})`;
    };
    for (let round = 0; round < this.depth; round += 1) {
      const params = { batch, tenant, depth: this.depth, candidates: `${batch}_c${round}`, shorter: `${batch}_s${round}`, version: change.version + round };
      // every pair through an added edge (u → v): a's depth to u, one hop, v's depth to d; within K, a ≠ d
      await this.sql.exec(
        `INSERT INTO ${db}.closure_staging (batch_id, root, node, depth)
         SELECT {candidates:String}, a, d, min(hops)
         FROM (
           SELECT x.a AS a, y.d AS d, x.to_u + 1 + y.from_v AS hops
           FROM (
             SELECT e.v AS v, p.a AS a, p.to_u AS to_u
             FROM (${edges}) AS e
             INNER JOIN (${around('u', 'upstream', 'a', 'to_u')}) AS p ON p.u = e.u
           ) AS x
           INNER JOIN (${around('v', 'downstream', 'd', 'from_v')}) AS y ON y.v = x.v
           WHERE x.to_u + 1 + y.from_v <= {depth:UInt8} AND x.a <> y.d
         )
         GROUP BY a, d`,
        params,
      );
      // the candidates that are new pairs or shorter than the closure's (a missing pair joins as depth 0);
      // the old pairs read by descendant: added edges mostly lead to new or few assets
      await this.sql.exec(
        `INSERT INTO ${db}.closure_staging (batch_id, root, node, depth)
         SELECT {shorter:String}, c.root, c.node, c.depth
         FROM (SELECT root, node, depth FROM ${db}.closure_staging WHERE batch_id = {candidates:String}) AS c
         LEFT JOIN (
           SELECT ancestor, descendant, depth FROM ${db}.closure_pairs_by_descendant FINAL
           WHERE tenant_id = {tenant:String}
             AND descendant IN (SELECT DISTINCT node FROM ${db}.closure_staging WHERE batch_id = {candidates:String})
         ) AS o ON o.ancestor = c.root AND o.descendant = c.node
         WHERE o.depth = 0 OR c.depth < o.depth`,
        params,
      );
      const [found] = await this.sql.rows<{ pairs: string | number; chained: string | number }>(
        `SELECT count() AS pairs, countIf(node IN (SELECT u FROM (${edges})) OR root IN (SELECT v FROM (${edges}))) AS chained
         FROM ${db}.closure_staging WHERE batch_id = {shorter:String}`,
        params,
      );
      await this.sql.exec(
        `INSERT INTO ${db}.closure_pairs (tenant_id, ancestor, descendant, depth, version, is_deleted)
         SELECT {tenant:String}, root, node, depth, {version:UInt64}, 0 FROM ${db}.closure_staging WHERE batch_id = {shorter:String}`,
        params,
      );
      if (Number(found.pairs) === 0 || Number(found.chained) === 0) return round + 1;
    }
    return this.depth;
  }
}

const live = (db: string) => `SELECT node FROM ${db}.assets FINAL WHERE tenant_id = {tenant:String} AND deleted = 0
  AND node IN (SELECT cityHash64(arrayJoin(arrayConcat({froms:Array(String)}, {tos:Array(String)}))))`;
