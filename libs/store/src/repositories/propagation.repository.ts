import { RawBuilder, sql } from 'kysely';
import { TenantTx } from '../database';
import { walkQuery } from './lineage.repository';

/** One propagation: what `ruleId` derives from `sourceId` under `key` (a tag name, `incidents`, `attr:<mode>:<name>`). */
export interface PropagationKey {
  ruleId: string;
  sourceId: number;
  key: string;
}

export interface Staged {
  generation: number;
  partitions: number;
  size: number;
}

export interface DesiredRow {
  assetId: number;
  depth: number;
  value: unknown;
}

/** Rows a partition job applies at once; a fan-out is cut into this many assets per job. */
export const PARTITION_SIZE = 2000;

/**
 * Assets fall into BUCKETS buckets by id; a fan-out uses a power-of-two number of partitions
 * P <= BUCKETS, and partition p is the buckets b with b % P = p, which is exactly the assets with
 * id % P = p. Tenant-data migration 6 indexes `asset_id % 64`: changing BUCKETS takes a migration.
 */
const BUCKETS = 64;
/** `asset_id % 64`, spelled as the indexes spell it (a literal, so the planner matches the index expression). */
const bucketOf = sql`(asset_id % ${sql.lit(BUCKETS)})`;
const bucketsOf = (partitions: number, partition: number) =>
  Array.from({ length: BUCKETS / partitions }, (_, i) => partition + i * partitions);
/**
 * `<bucket expression> in partition p of P`, as an equality when the partition is one bucket: the
 * planner then always makes it part of the index condition, whereas with `= ANY` and statistics
 * that predate the rows (a fan-out's rows appear between two ANALYZEs) it may filter a scan of
 * every row of the propagation instead.
 */
const inPartition = (bucket: RawBuilder<unknown>, partitions: number, partition: number) => {
  const buckets = bucketsOf(partitions, partition);
  return buckets.length === 1 ? sql`${bucket} = ${buckets[0]}` : sql`${bucket} = ANY (${buckets}::int[])`;
};
const powerOfTwoAtLeast = (n: number) => Math.min(BUCKETS, 2 ** Math.ceil(Math.log2(Math.max(1, n))));

/**
 * The propagation engine's SQL: staging the desired result of one propagation under a new
 * generation, reading it back a partition at a time, and the current state it is diffed against.
 * Partition p of P holds the assets with id % P = p.
 */
export class PropagationRepository {
  /**
   * Serializes the fan-outs of one propagation until the transaction ends. A fan-out takes it before
   * it reads what the source contributes: two fan-outs of one source (in two processes) would
   * otherwise each read the source, and the one that read the older state could stage last, with the
   * newer generation number.
   */
  async lock(tx: TenantTx, k: PropagationKey): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${tx.tenantId}/${k.ruleId}/${k.sourceId}/${k.key}`}, 0))`.execute(tx.db);
  }

  /**
   * Replaces the staged result of `k` with everything downstream of its source (up to maxDepth,
   * receiving only `typeNames` when given), each at its shortest depth, carrying `value`; or with
   * nothing when `value` is null (the source contributes nothing any more). The caller holds lock(k),
   * so generations are strictly increasing and each stages what the source was when it was read.
   */
  async stage(tx: TenantTx, k: PropagationKey, reach: { maxDepth: number; typeNames?: string[] }, value: unknown | null): Promise<Staged> {
    const current = await this.generationOf(tx, k);
    const generation = (current?.generation ?? 0) + 1;
    await sql`DELETE FROM propagation_desired WHERE tenant_id = ${tx.tenantId} AND rule_id = ${k.ruleId}
              AND source_id = ${k.sourceId} AND key = ${k.key}`.execute(tx.db);
    let size = 0;
    if (value !== null) {
      const inserted = await sql<{ n: number }>`
        WITH staged AS (
          INSERT INTO propagation_desired (tenant_id, rule_id, source_id, key, generation, asset_id, depth, value, bucket)
          SELECT ${tx.tenantId}, ${k.ruleId}, ${k.sourceId}, ${k.key}, ${generation}, r.id, r.depth, ${JSON.stringify(value)}::jsonb, r.id % ${BUCKETS}
          FROM (${reachQuery(tx, k.sourceId, reach)}) r
          RETURNING 1)
        SELECT count(*)::int AS n FROM staged`.execute(tx.db);
      size = inserted.rows[0].n;
    }
    // Never fewer partitions than the generation before: a retraction of 100k rows is then applied
    // in slices by several jobs, not by one transaction that locks every asset until it commits.
    const partitions = powerOfTwoAtLeast(Math.max(Math.ceil(size / PARTITION_SIZE), current?.partitions ?? 1));
    await sql`INSERT INTO propagation_generations (tenant_id, rule_id, source_id, key, generation, partitions)
              VALUES (${tx.tenantId}, ${k.ruleId}, ${k.sourceId}, ${k.key}, ${generation}, ${partitions})
              ON CONFLICT (tenant_id, rule_id, source_id, key)
              DO UPDATE SET generation = EXCLUDED.generation, partitions = EXCLUDED.partitions, updated_at = now()`.execute(tx.db);
    return { generation, partitions, size };
  }

  /** The assets a propagation from the source reaches, as stage() would stage them; writes nothing (a rule's preview). */
  async reach(tx: TenantTx, sourceId: number, reach: { maxDepth: number; typeNames?: string[] }): Promise<{ assetId: number; depth: number }[]> {
    const rows = await sql<{ id: number; depth: number }>`${reachQuery(tx, sourceId, reach)}`.execute(tx.db);
    return rows.rows.map((r) => ({ assetId: r.id, depth: r.depth }));
  }

  /** The newest generation of a propagation, locked for the applying transaction (shared: partitions apply in parallel). */
  async generationOf(tx: TenantTx, k: PropagationKey, lock = false): Promise<{ generation: number; partitions: number } | undefined> {
    const rows = await sql<{ generation: number; partitions: number }>`
      SELECT generation, partitions FROM propagation_generations
      WHERE tenant_id = ${tx.tenantId} AND rule_id = ${k.ruleId} AND source_id = ${k.sourceId} AND key = ${k.key}
      ${lock ? sql`FOR SHARE` : sql``}`.execute(tx.db);
    return rows.rows[0];
  }

  async desired(tx: TenantTx, k: PropagationKey, generation: number, partitions: number, partition: number): Promise<DesiredRow[]> {
    const rows = await sql<{ asset_id: number; depth: number; value: unknown }>`
      SELECT asset_id, depth, value FROM propagation_desired
      WHERE tenant_id = ${tx.tenantId} AND rule_id = ${k.ruleId} AND source_id = ${k.sourceId} AND key = ${k.key}
        AND generation = ${generation} AND ${inPartition(sql.ref('bucket'), partitions, partition)}`.execute(tx.db);
    return rows.rows.map((r) => ({ assetId: r.asset_id, depth: r.depth, value: r.value }));
  }

  /** Whether the store holds anything this propagation wrote: its propagated tags, or its contributions. */
  async hasApplied(tx: TenantTx, k: PropagationKey, kind: 'tags' | 'contributions'): Promise<boolean> {
    const rows = kind === 'tags'
      ? await sql`SELECT 1 FROM classifications WHERE tenant_id = ${tx.tenantId} AND source = 'propagated' AND propagated_from_id = ${k.sourceId}
                  AND name = ${k.key} AND rule_id = ${k.ruleId} LIMIT 1`.execute(tx.db)
      : await sql`SELECT 1 FROM propagations WHERE tenant_id = ${tx.tenantId} AND rule_id = ${k.ruleId} AND source_id = ${k.sourceId}
                  AND key = ${k.key} LIMIT 1`.execute(tx.db);
    return rows.rows.length > 0;
  }

  // --- tags (classifications with source = propagated) ---

  async propagatedTags(tx: TenantTx, k: PropagationKey, partitions: number, partition: number): Promise<DesiredRow[]> {
    const rows = await sql<{ asset_id: number; depth: number }>`
      SELECT asset_id, depth FROM classifications
      WHERE tenant_id = ${tx.tenantId} AND source = 'propagated' AND rule_id = ${k.ruleId} AND propagated_from_id = ${k.sourceId}
        AND name = ${k.key} AND ${inPartition(bucketOf, partitions, partition)}`.execute(tx.db);
    return rows.rows.map((r) => ({ assetId: r.asset_id, depth: r.depth!, value: null }));
  }

  /** Inserts or re-depths propagated tags of one propagation. */
  async putTags(tx: TenantTx, k: PropagationKey, rows: DesiredRow[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      INSERT INTO classifications (tenant_id, asset_id, name, source, propagate, propagated_from_id, rule_id, depth)
      SELECT ${tx.tenantId}, u.asset_id, ${k.key}, 'propagated', true, ${k.sourceId}, ${k.ruleId}, u.depth
      FROM unnest(${rows.map((r) => r.assetId)}::bigint[], ${rows.map((r) => r.depth)}::int[]) AS u(asset_id, depth)
      ON CONFLICT (tenant_id, asset_id, name, propagated_from_id, rule_id) WHERE source = 'propagated'
      DO UPDATE SET depth = EXCLUDED.depth`.execute(tx.db);
  }

  async dropTags(tx: TenantTx, k: PropagationKey, assetIds: number[]): Promise<void> {
    if (assetIds.length === 0) return;
    await sql`DELETE FROM classifications WHERE tenant_id = ${tx.tenantId} AND source = 'propagated' AND rule_id = ${k.ruleId}
              AND propagated_from_id = ${k.sourceId} AND name = ${k.key} AND asset_id = ANY (${assetIds}::bigint[])`.execute(tx.db);
  }

  // --- derived values (attributes, upstream incidents) ---

  async contributions(tx: TenantTx, k: PropagationKey, partitions: number, partition: number): Promise<DesiredRow[]> {
    const rows = await sql<{ asset_id: number; depth: number; value: unknown }>`
      SELECT asset_id, depth, value FROM propagations
      WHERE tenant_id = ${tx.tenantId} AND rule_id = ${k.ruleId} AND source_id = ${k.sourceId} AND key = ${k.key}
        AND ${inPartition(bucketOf, partitions, partition)}`.execute(tx.db);
    return rows.rows.map((r) => ({ assetId: r.asset_id, depth: r.depth, value: r.value }));
  }

  async putContributions(tx: TenantTx, k: PropagationKey, rows: DesiredRow[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      INSERT INTO propagations (tenant_id, rule_id, source_id, key, asset_id, depth, value)
      SELECT ${tx.tenantId}, ${k.ruleId}, ${k.sourceId}, ${k.key}, u.asset_id, u.depth, u.value
      FROM unnest(${rows.map((r) => r.assetId)}::bigint[], ${rows.map((r) => r.depth)}::int[], ${rows.map((r) => JSON.stringify(r.value))}::jsonb[])
        AS u(asset_id, depth, value)
      ON CONFLICT (tenant_id, rule_id, source_id, key, asset_id) DO UPDATE SET depth = EXCLUDED.depth, value = EXCLUDED.value`.execute(tx.db);
  }

  async dropContributions(tx: TenantTx, k: PropagationKey, assetIds: number[]): Promise<void> {
    if (assetIds.length === 0) return;
    await sql`DELETE FROM propagations WHERE tenant_id = ${tx.tenantId} AND rule_id = ${k.ruleId} AND source_id = ${k.sourceId}
              AND key = ${k.key} AND asset_id = ANY (${assetIds}::bigint[])`.execute(tx.db);
  }

  /** Every contribution to these assets (all rules, all sources), with the source's name, for recomputing derived values. */
  async contributionsTo(tx: TenantTx, assetIds: number[]): Promise<{ assetId: number; key: string; depth: number; value: unknown; source: string }[]> {
    if (assetIds.length === 0) return [];
    const rows = await sql<{ asset_id: number; key: string; depth: number; value: unknown; source: string }>`
      SELECT p.asset_id, p.key, p.depth, p.value, s.qualified_name AS source FROM propagations p
      JOIN assets s ON s.tenant_id = p.tenant_id AND s.id = p.source_id
      WHERE p.tenant_id = ${tx.tenantId} AND p.asset_id = ANY (${assetIds}::bigint[])`.execute(tx.db);
    return rows.rows.map((r) => ({ assetId: r.asset_id, key: r.key, depth: r.depth, value: r.value, source: r.source }));
  }

  /**
   * Locks the assets a propagation writes to, in id order: concurrent propagations onto the same
   * assets then queue instead of deadlocking, and each recomputes derived values only after the
   * one before it committed (so none misses another's contribution).
   */
  async lockAssets(tx: TenantTx, assetIds: number[]): Promise<void> {
    if (assetIds.length === 0) return;
    await sql`SELECT id FROM assets WHERE tenant_id = ${tx.tenantId} AND id = ANY (${assetIds}::bigint[]) ORDER BY id FOR UPDATE`.execute(tx.db);
  }

  async derivedOf(tx: TenantTx, assetIds: number[]): Promise<Map<number, { derived: Record<string, unknown>; upstream: number; qualifiedName: string }>> {
    if (assetIds.length === 0) return new Map();
    const rows = await sql<{ id: number; derived_attributes: Record<string, unknown>; upstream_open_incidents: number; qualified_name: string }>`
      SELECT id, derived_attributes, upstream_open_incidents, qualified_name FROM assets
      WHERE tenant_id = ${tx.tenantId} AND id = ANY (${assetIds}::bigint[])`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.id, { derived: r.derived_attributes, upstream: r.upstream_open_incidents, qualifiedName: r.qualified_name }]));
  }

  async setDerived(tx: TenantTx, rows: { assetId: number; derived: Record<string, unknown>; upstream: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      UPDATE assets a SET derived_attributes = u.derived, upstream_open_incidents = u.upstream
      FROM unnest(${rows.map((r) => r.assetId)}::bigint[], ${rows.map((r) => JSON.stringify(r.derived))}::jsonb[], ${rows.map((r) => r.upstream)}::int[])
        AS u(id, derived, upstream)
      WHERE a.tenant_id = ${tx.tenantId} AND a.id = u.id`.execute(tx.db);
  }

  /**
   * Locks the assets a propagation writes to (in id order, as lockAssets) and bumps their versions in
   * the same statement: one pass over the rows instead of two.
   */
  async lockAndBumpVersions(tx: TenantTx, assetIds: number[]): Promise<Map<number, { version: number; qualifiedName: string }>> {
    if (assetIds.length === 0) return new Map();
    const rows = await sql<{ id: number; version: number; qualified_name: string }>`
      UPDATE assets a SET version = a.version + 1, updated_at = now()
      FROM (SELECT id FROM assets WHERE tenant_id = ${tx.tenantId} AND id = ANY (${assetIds}::bigint[]) ORDER BY id FOR UPDATE) locked
      WHERE a.tenant_id = ${tx.tenantId} AND a.id = locked.id
      RETURNING a.id, a.version, a.qualified_name`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.id, { version: r.version, qualifiedName: r.qualified_name }]));
  }

  /** Bumps the versions of assets a propagation wrote to, and returns them with their names. */
  async bumpVersions(tx: TenantTx, assetIds: number[]): Promise<Map<number, { version: number; qualifiedName: string }>> {
    if (assetIds.length === 0) return new Map();
    const rows = await sql<{ id: number; version: number; qualified_name: string }>`
      UPDATE assets SET version = version + 1, updated_at = now()
      WHERE tenant_id = ${tx.tenantId} AND id = ANY (${assetIds}::bigint[])
      RETURNING id, version, qualified_name`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.id, { version: r.version, qualifiedName: r.qualified_name }]));
  }

  // --- sources ---

  /** Direct tags with propagate=true on these assets. */
  async propagatingTags(tx: TenantTx, assetIds: number[]): Promise<{ assetId: number; name: string }[]> {
    if (assetIds.length === 0) return [];
    const rows = await sql<{ asset_id: number; name: string }>`
      SELECT c.asset_id, c.name FROM classifications c JOIN assets a ON a.tenant_id = c.tenant_id AND a.id = c.asset_id AND a.deleted_at IS NULL
      WHERE c.tenant_id = ${tx.tenantId} AND c.source = 'direct' AND c.propagate AND c.asset_id = ANY (${assetIds}::bigint[])`.execute(tx.db);
    return rows.rows.map((r) => ({ assetId: r.asset_id, name: r.name }));
  }

  /** Open incidents on these (live) assets. */
  async openIncidents(tx: TenantTx, assetIds: number[]): Promise<Map<number, number>> {
    if (assetIds.length === 0) return new Map();
    const rows = await sql<{ asset_id: number; n: number }>`
      SELECT ia.asset_id, count(DISTINCT ia.incident_id)::int AS n FROM incident_assets ia
      JOIN assets a ON a.tenant_id = ia.tenant_id AND a.id = ia.asset_id AND a.deleted_at IS NULL
      WHERE ia.tenant_id = ${tx.tenantId} AND ia.open AND ia.asset_id = ANY (${assetIds}::bigint[])
      GROUP BY ia.asset_id`.execute(tx.db);
    return new Map(rows.rows.map((r) => [r.asset_id, r.n]));
  }

  async hasPropagations(tx: TenantTx): Promise<boolean> {
    const rows = await sql`SELECT 1 FROM propagation_generations WHERE tenant_id = ${tx.tenantId} LIMIT 1`.execute(tx.db);
    return rows.rows.length > 0;
  }

  /** Propagations a rule currently has from these sources (staged or applied), to recompute or retract them. */
  async keysFromSources(tx: TenantTx, ruleId: string, sourceIds: number[] | 'all'): Promise<PropagationKey[]> {
    const filter = sourceIds === 'all' ? sql`` : sql`AND source_id = ANY (${sourceIds}::bigint[])`;
    const rows = await sql<{ source_id: number; key: string }>`
      SELECT source_id, key FROM propagation_generations WHERE tenant_id = ${tx.tenantId} AND rule_id = ${ruleId} ${filter}`.execute(tx.db);
    return rows.rows.map((r) => ({ ruleId, sourceId: r.source_id, key: r.key }));
  }
}

/**
 * The live assets downstream of a source within `maxDepth` hops, each at its shortest depth, of the
 * given types only (the walk still passes through others): what one propagation reaches.
 */
function reachQuery(tx: TenantTx, sourceId: number, reach: { maxDepth: number; typeNames?: string[] }) {
  return sql<{ id: number; depth: number }>`
    SELECT w.id, w.depth FROM (${walkQuery(tx, [sourceId], 'downstream', reach.maxDepth)}) w
    JOIN assets a ON a.tenant_id = ${tx.tenantId} AND a.id = w.id AND a.deleted_at IS NULL
    ${reach.typeNames ? sql`WHERE a.type_name = ANY (${reach.typeNames}::text[])` : sql``}`;
}
