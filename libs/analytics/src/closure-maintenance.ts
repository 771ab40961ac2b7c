import { randomUUID } from 'node:crypto';
import { ClosureAdditions } from './closure-additions';
import { closureLookup } from './closure-lookup';
import type { ClickHouseStatements } from './clickhouse-statements';

/**
 * Keeps the closure table (ancestor, descendant, shortest depth ≤ the closure depth K, ancestor ≠
 * descendant, over present edges between live assets) equal to the graph after each batch of facts.
 * K is small (6 by default): pairs up to 50 hops would be billions on the benchmark graph; answers
 * deeper than K jump through the closure (closure-search.ts).
 *
 * The update, for a batch whose changed edges C are the edge facts newer than the stored ones plus
 * every edge of an asset whose deleted flag flipped, with seeds U = sources of C, V = targets of C:
 *   A = U ∪ ancestors of U, D = V ∪ descendants of V, both in the closure before the update.
 * A pair (within K) whose shortest path changes has its first changed edge's source in U behind an
 * unchanged prefix of at most K-1 hops (so its ancestor is in A) and its last changed edge's target in
 * V ahead of an unchanged suffix of at most K-1 hops (so its descendant is in D). Recomputing every pair of A's ancestors (a forward search from
 * each) or every pair of D's descendants (a reverse search) therefore covers every change; the side
 * with fewer old rows (plus seeds) is recomputed.
 *
 * The search runs in ClickHouse, level by level (one INSERT … SELECT per level into closure_staging,
 * the shortest depth per pair, pairs already reached anti-joined away), because a tenant's closure
 * reaches ~10^8 pairs: Node never holds it. Seeds are split into runs by `node % runs` so that one
 * run's staging pairs (and the anti-join's set) stay bounded.
 *
 * Each run then writes its pairs that are new or changed (version = the update's version) and
 * tombstones (is_deleted = 1) for its old pairs that vanished: the new rows first, so a reader in
 * between sees the new pairs beside soon-gone old ones, never a half-empty set.
 */

/** The deepest impact and blast radius a query may ask for. */
export const MAX_DEPTH = 50;
/** The closure's default depth: ~31 million pairs on the benchmark graph (clickhouse/README.md). */
export const CLOSURE_DEPTH = 6;

/** Pairs one run may stage: bounds the memory of the level's anti-join set. */
const PAIRS_PER_RUN = 4_000_000;
/** Seeds one run starts from when the closure has no estimate yet (a first build). */
const SEEDS_PER_RUN = 4_000;

/** replace: the roots' old pairs compared and replaced; add: the roots have no pairs yet (a build) */
type Write = 'replace' | 'add';

const ANCESTORS = 1;
const DESCENDANTS = 2;
type Side = typeof ANCESTORS | typeof DESCENDANTS;

/**
 * A decided closure update: the changed edges (sources[i] → targets[i], by qualified name) and the
 * first of the K + 1 versions it may write: the additions' rounds take version … version + K − 1,
 * a recomputation version + K.
 */
export interface ClosureChange {
  batchId: string;
  sources: string[];
  targets: string[];
  version: number;
}

export interface ClosureUpdateStats {
  /** forward: the ancestors' pairs were recomputed; reverse: the descendants'; additions: only edges were added (closure-additions.ts) */
  side: 'forward' | 'reverse' | 'additions';
  /** the nodes searched from (A or D); for additions, the added edges */
  seeds: number;
  runs: number;
  /** the deepest level any search reached; for additions, the rounds */
  levels: number;
  milliseconds: number;
}

export class ClosureMaintenance {
  private readonly additions: ClosureAdditions;

  constructor(
    private readonly sql: ClickHouseStatements,
    /** K: the closure holds pairs up to this many hops */
    private readonly depth: number,
  ) {
    this.additions = new ClosureAdditions(sql, depth);
  }

  /** Written before the batch's facts: if the apply stops after them, `pending` finds the update. */
  async record(db: string, tenant: string, change: ClosureChange): Promise<void> {
    await this.sql.insert(`${db}.closure_pending`, [
      { tenant_id: tenant, batch_id: change.batchId, sources: change.sources, targets: change.targets, version: change.version, is_deleted: 0 },
    ]);
  }

  async pending(db: string, tenant: string): Promise<ClosureChange[]> {
    const rows = await this.sql.rows<{ batch_id: string; sources: string[]; targets: string[]; version: string | number }>(
      `SELECT batch_id, sources, targets, version FROM ${db}.closure_pending FINAL WHERE tenant_id = {tenant:String} ORDER BY version`,
      { tenant },
    );
    return rows.map((r) => ({ batchId: r.batch_id, sources: r.sources, targets: r.targets, version: Number(r.version) }));
  }

  /** The highest version the tenant's closure or pending updates hold (0 for none). */
  async lastVersion(db: string, tenant: string): Promise<number> {
    const [row] = await this.sql.rows<{ v: string | number }>(
      `SELECT greatest((SELECT max(version) FROM ${db}.closure_pairs WHERE tenant_id = {tenant:String}),
                       (SELECT max(version) FROM ${db}.closure_pending WHERE tenant_id = {tenant:String})) AS v`,
      { tenant },
    );
    return Number(row.v);
  }

  /**
   * Brings the closure up to date with a recorded change, then marks it done. `additionsOnly`: the
   * change only adds effective edges (no edge removed, no asset deleted), so the fast path applies;
   * a recovered change takes the general path, which is right for any change.
   */
  async update(db: string, tenant: string, change: ClosureChange, additionsOnly = false): Promise<ClosureUpdateStats> {
    const started = Date.now();
    const batch = change.batchId;
    await this.dropStaging(db, batch);
    if (additionsOnly) {
      const rounds = await this.additions.add(db, tenant, { batchId: batch, froms: change.sources, tos: change.targets, version: change.version });
      await this.dropStaging(db, batch);
      await this.markDone(db, tenant, change);
      return { side: 'additions', seeds: change.sources.length, runs: 1, levels: rounds, milliseconds: Date.now() - started };
    }
    await this.sql.exec(
      `INSERT INTO ${db}.closure_seeds (batch_id, side, node)
       SELECT {batch:String}, {ancestors:UInt8}, cityHash64(name) FROM (SELECT arrayJoin({sources:Array(String)}) AS name)
       UNION ALL
       SELECT {batch:String}, {descendants:UInt8}, cityHash64(name) FROM (SELECT arrayJoin({targets:Array(String)}) AS name)`,
      { batch, ancestors: ANCESTORS, descendants: DESCENDANTS, sources: change.sources, targets: change.targets },
    );
    // A and D from the closure before the update (this update has written nothing to it yet)
    await this.sql.exec(
      `INSERT INTO ${db}.closure_seeds (batch_id, side, node)
       SELECT {batch:String}, {ancestors:UInt8}, ancestor FROM ${db}.closure_pairs_by_descendant FINAL
       WHERE tenant_id = {tenant:String}
         AND descendant IN (SELECT node FROM ${db}.closure_seeds WHERE batch_id = {batch:String} AND side = {ancestors:UInt8})
       UNION ALL
       SELECT {batch:String}, {descendants:UInt8}, descendant FROM ${db}.closure_pairs FINAL
       WHERE tenant_id = {tenant:String}
         AND ancestor IN (SELECT node FROM ${db}.closure_seeds WHERE batch_id = {batch:String} AND side = {descendants:UInt8})`,
      { batch, tenant, ancestors: ANCESTORS, descendants: DESCENDANTS },
    );
    const [estimate] = await this.sql.rows<{ forward: string | number; reverse: string | number; a: string | number; d: string | number }>(
      `SELECT
         (SELECT count() FROM ${db}.closure_pairs WHERE tenant_id = {tenant:String}
            AND ancestor IN (SELECT node FROM ${db}.closure_seeds WHERE batch_id = {batch:String} AND side = {ancestors:UInt8})) AS forward,
         (SELECT count() FROM ${db}.closure_pairs_by_descendant WHERE tenant_id = {tenant:String}
            AND descendant IN (SELECT node FROM ${db}.closure_seeds WHERE batch_id = {batch:String} AND side = {descendants:UInt8})) AS reverse,
         (SELECT uniqExact(node) FROM ${db}.closure_seeds WHERE batch_id = {batch:String} AND side = {ancestors:UInt8}) AS a,
         (SELECT uniqExact(node) FROM ${db}.closure_seeds WHERE batch_id = {batch:String} AND side = {descendants:UInt8}) AS d`,
      { batch, tenant, ancestors: ANCESTORS, descendants: DESCENDANTS },
    );
    // the cost of a side: its old pairs (read and replaced) plus its seeds (each a search's start)
    const forward = Number(estimate.forward) + Number(estimate.a) <= Number(estimate.reverse) + Number(estimate.d);
    const side: Side = forward ? ANCESTORS : DESCENDANTS;
    const seeds = Number(forward ? estimate.a : estimate.d);
    const oldPairs = Number(forward ? estimate.forward : estimate.reverse);
    const runs = Math.max(1, Math.ceil(oldPairs / PAIRS_PER_RUN), Math.ceil(seeds / SEEDS_PER_RUN));
    // At the top of the change's versions: an addition of this change stopped halfway (a recovered
    // change comes here) may have written rounds at version … version + K − 1, and its pairs must not
    // win over the recomputed ones.
    const levels = await this.recomputeSide(db, tenant, { ...change, version: change.version + this.depth }, side, runs, 'replace');
    await this.markDone(db, tenant, change);
    return { side: forward ? 'forward' : 'reverse', seeds, runs, levels, milliseconds: Date.now() - started };
  }

  /**
   * Builds the tenant's closure from nothing (after a reset and a bulk load of facts): a forward
   * search from every live asset, seeds taken from the assets table by SQL, in runs of SEEDS_PER_RUN.
   */
  async build(db: string, tenant: string, version: number): Promise<ClosureUpdateStats> {
    const started = Date.now();
    const change = { batchId: randomUUID().replaceAll('-', ''), version };
    await this.sql.exec(
      `INSERT INTO ${db}.closure_seeds (batch_id, side, node)
       SELECT {batch:String}, {ancestors:UInt8}, node FROM ${db}.assets FINAL WHERE tenant_id = {tenant:String} AND deleted = 0`,
      { batch: change.batchId, tenant, ancestors: ANCESTORS },
    );
    const [count] = await this.sql.rows<{ n: string | number }>(
      `SELECT count() AS n FROM ${db}.closure_seeds WHERE batch_id = {batch:String}`,
      { batch: change.batchId },
    );
    const seeds = Number(count.n);
    const runs = Math.max(1, Math.ceil(seeds / SEEDS_PER_RUN));
    // the tenant's closure is empty (reload reset it): the runs only add pairs
    const levels = await this.recomputeSide(db, tenant, change, ANCESTORS, runs, 'add');
    // One part per table: FINAL then reads the build's pairs without merging them across parts (a
    // lookup over parts that overlap cost 5x more on the benchmark graph). This merges every tenant's
    // pairs in the database, which a rebuild may afford and an update may not.
    await this.sql.exec(`OPTIMIZE TABLE ${db}.closure_pairs FINAL`, {});
    await this.sql.exec(`OPTIMIZE TABLE ${db}.closure_pairs_by_descendant FINAL`, {});
    return { side: 'forward', seeds, runs, levels, milliseconds: Date.now() - started };
  }

  /** Every run of one side's recomputation over the effective edges, then the working rows dropped. Returns the deepest level searched. */
  private async recomputeSide(
    db: string, tenant: string, change: Pick<ClosureChange, 'batchId' | 'version'>, side: Side, runs: number, write: Write,
  ): Promise<number> {
    const batch = change.batchId;
    await this.sql.exec(
      `INSERT INTO ${db}.closure_edges_staging (batch_id, src, dst)
       SELECT {batch:String}, src, dst FROM ${db}.edges FINAL
       WHERE tenant_id = {tenant:String} AND present = 1 AND src <> dst
         AND src IN (SELECT node FROM ${db}.assets FINAL WHERE tenant_id = {tenant:String} AND deleted = 0)
         AND dst IN (SELECT node FROM ${db}.assets FINAL WHERE tenant_id = {tenant:String} AND deleted = 0)`,
      { batch, tenant },
    );
    let levels = 0;
    for (let run = 0; run < runs; run += 1) {
      levels = Math.max(levels, await this.recompute(db, tenant, change, side, run, runs, write));
    }
    await this.dropStaging(db, batch);
    return levels;
  }

  /** One run: the search from this run's seeds, then its pairs written. Returns the levels searched. */
  private async recompute(
    db: string, tenant: string, change: Pick<ClosureChange, 'batchId' | 'version'>, side: Side, run: number, runs: number, write: Write,
  ): Promise<number> {
    const batch = change.batchId;
    const stage = `${batch}_${run}`;
    const runSeeds = `SELECT DISTINCT node FROM ${db}.closure_seeds
                      WHERE batch_id = {batch:String} AND side = {side:UInt8} AND node % {runs:UInt32} = {run:UInt32}`;
    const params = { batch, stage, tenant, side, run, runs, version: change.version };
    await this.sql.exec(
      `INSERT INTO ${db}.closure_staging (batch_id, root, node, depth) SELECT {stage:String}, node, node, 0 FROM (${runSeeds})`,
      params,
    );
    // forward: follow edges src → dst; reverse: dst → src
    const [from, to] = side === ANCESTORS ? ['src', 'dst'] : ['dst', 'src'];
    let depth = 1;
    for (; depth <= this.depth; depth += 1) {
      await this.sql.exec(
        `INSERT INTO ${db}.closure_staging (batch_id, root, node, depth)
         SELECT {stage:String}, root, reached, {depth:UInt8}
         FROM (
           SELECT f.root AS root, e.${to} AS reached
           FROM (SELECT root, node FROM ${db}.closure_staging WHERE batch_id = {stage:String} AND depth = {previous:UInt8}) AS f
           INNER JOIN (SELECT src, dst FROM ${db}.closure_edges_staging WHERE batch_id = {batch:String}) AS e ON e.${from} = f.node
           GROUP BY root, reached
         )
         WHERE (root, reached) NOT IN (SELECT root, node FROM ${db}.closure_staging WHERE batch_id = {stage:String})`,
        { ...params, depth, previous: depth - 1 },
      );
      const [level] = await this.sql.rows<{ n: string | number }>(
        `SELECT count() AS n FROM ${db}.closure_staging WHERE batch_id = {stage:String} AND depth = {depth:UInt8}`,
        { stage, depth },
      );
      if (Number(level.n) === 0) break;
    }
    if (write === 'add') {
      await this.sql.exec(
        `INSERT INTO ${db}.closure_pairs (tenant_id, ancestor, descendant, depth, version, is_deleted)
         SELECT {tenant:String}, ${side === ANCESTORS ? 'root, node' : 'node, root'}, depth, {version:UInt64}, 0
         FROM ${db}.closure_staging WHERE batch_id = {stage:String} AND depth > 0`,
        params,
      );
      await this.sql.exec(`ALTER TABLE ${db}.closure_staging DROP PARTITION {stage:String}`, { stage });
      return depth - 1;
    }
    // the old pairs of this run's roots, read from the copy ordered by the root's column (a reverse
    // search's root is the descendant)
    const { start: rootColumn, reached: nodeColumn, table: old } = closureLookup(db, side === ANCESTORS ? 'downstream' : 'upstream');
    await this.sql.exec(
      `INSERT INTO ${db}.closure_pairs (tenant_id, ancestor, descendant, depth, version, is_deleted)
       SELECT {tenant:String}, ${side === ANCESTORS ? 'root, node' : 'node, root'}, depth, {version:UInt64}, 0
       FROM ${db}.closure_staging
       WHERE batch_id = {stage:String} AND depth > 0
         AND (root, node, depth) NOT IN (
           SELECT ${rootColumn}, ${nodeColumn}, depth FROM ${old} FINAL
           WHERE tenant_id = {tenant:String} AND ${rootColumn} IN (${runSeeds}))`,
      params,
    );
    await this.sql.exec(
      `INSERT INTO ${db}.closure_pairs (tenant_id, ancestor, descendant, depth, version, is_deleted)
       SELECT tenant_id, ancestor, descendant, depth, {version:UInt64}, 1
       FROM ${old} FINAL
       WHERE tenant_id = {tenant:String} AND ${rootColumn} IN (${runSeeds})
         AND (${rootColumn}, ${nodeColumn}) NOT IN (SELECT root, node FROM ${db}.closure_staging WHERE batch_id = {stage:String} AND depth > 0)`,
      params,
    );
    await this.sql.exec(`ALTER TABLE ${db}.closure_staging DROP PARTITION {stage:String}`, { stage });
    return depth - 1;
  }

  private async markDone(db: string, tenant: string, change: ClosureChange): Promise<void> {
    await this.sql.insert(`${db}.closure_pending`, [{ tenant_id: tenant, batch_id: change.batchId, sources: [], targets: [], version: change.version + 1, is_deleted: 1 }]);
  }

  /** Removes a batch's working rows, also those a failed attempt left. */
  private async dropStaging(db: string, batch: string): Promise<void> {
    const stages = await this.sql.rows<{ batch_id: string }>(
      `SELECT DISTINCT batch_id FROM ${db}.closure_staging WHERE startsWith(batch_id, {batch:String})`,
      { batch },
    );
    for (const { batch_id } of stages) {
      await this.sql.exec(`ALTER TABLE ${db}.closure_staging DROP PARTITION {stage:String}`, { stage: batch_id });
    }
    await this.sql.exec(`ALTER TABLE ${db}.closure_seeds DROP PARTITION {batch:String}`, { batch });
    await this.sql.exec(`ALTER TABLE ${db}.closure_edges_staging DROP PARTITION {batch:String}`, { batch });
  }
}
