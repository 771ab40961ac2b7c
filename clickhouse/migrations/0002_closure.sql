-- The lineage closure: every (ancestor, descendant) pair of live assets joined by present edges,
-- ancestor <> descendant, at the shortest depth, within 50 hops. Maintained by the store's apply
-- (libs/analytics/src/closure-maintenance.ts). A pair that vanished is written again with
-- is_deleted = 1: FINAL hides it, and a later version can bring the pair back.
CREATE TABLE IF NOT EXISTS {database}.closure
(
    tenant_id  String,
    ancestor   UInt64,
    descendant UInt64,
    depth      UInt8,
    version    UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, ancestor, descendant);

-- A closure update that has been decided but not finished: written before the batch's facts, marked
-- done (is_deleted = 1) after the closure was replaced. A batch whose apply failed halfway has its
-- facts stored, so its retry sees nothing newer; the next apply of the tenant finishes it from here.
CREATE TABLE IF NOT EXISTS {database}.closure_pending
(
    tenant_id  String,
    batch_id   String,
    sources    Array(String),
    targets    Array(String),
    version    UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, batch_id);

-- Working tables of one closure update, one partition per update (dropped when it ends).
-- side 1: the ancestors to recompute (A), side 2: the descendants (D).
CREATE TABLE IF NOT EXISTS {database}.closure_seeds
(
    batch_id String,
    side     UInt8,
    node     UInt64
)
ENGINE = MergeTree
PARTITION BY batch_id
ORDER BY (side, node);

-- The effective edges (present, both ends live) as the update sees them.
CREATE TABLE IF NOT EXISTS {database}.closure_edges_staging
(
    batch_id String,
    src      UInt64,
    dst      UInt64
)
ENGINE = MergeTree
PARTITION BY batch_id
ORDER BY (src, dst);

-- The breadth-first search's levels: node reached from root at depth (shortest, each pair once).
CREATE TABLE IF NOT EXISTS {database}.closure_staging
(
    batch_id String,
    root     UInt64,
    node     UInt64,
    depth    UInt8
)
ENGINE = MergeTree
PARTITION BY batch_id
ORDER BY (root, node);
