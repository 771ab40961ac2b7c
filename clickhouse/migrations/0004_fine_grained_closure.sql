-- The closure in tables with index granules of 256 rows instead of 8,192. The store reads a few
-- thousand ancestors (or descendants) at a time, scattered over the key space: with 8,192-row
-- granules 1,000 of them touch half of a 30-million-pair table's granules, and FINAL then merges
-- ~14 million rows across parts (1.2 s on the benchmark graph); with 256-row granules it merges
-- ~0.3 million. A table's granularity cannot be changed, so the pairs move to new tables.
CREATE TABLE IF NOT EXISTS {database}.closure_pairs
(
    tenant_id  String,
    ancestor   UInt64,
    descendant UInt64,
    depth      UInt8,
    version    UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, ancestor, descendant)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS {database}.closure_pairs_by_descendant
(
    tenant_id  String,
    ancestor   UInt64,
    descendant UInt64,
    depth      UInt8,
    version    UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, descendant, ancestor)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.closure_pairs_by_descendant_feed TO {database}.closure_pairs_by_descendant
AS SELECT tenant_id, ancestor, descendant, depth, version, is_deleted FROM {database}.closure_pairs;

-- The pairs the old table holds (through the view above, its copy ordered by descendant too). Read
-- through merge(), which also matches the new table, so that this runs again without error once
-- the old table is gone; a second copy carries the same keys and versions, and FINAL collapses them.
INSERT INTO {database}.closure_pairs
SELECT tenant_id, ancestor, descendant, depth, version, is_deleted
FROM merge('{database}', '^closure$|^closure_pairs$') WHERE _table = 'closure';

DROP VIEW IF EXISTS {database}.closure_by_descendant_feed;
DROP TABLE IF EXISTS {database}.closure_by_descendant;
DROP TABLE IF EXISTS {database}.closure;

-- one part each, so that FINAL reads the copied pairs without merging them (see ClosureMaintenance.build)
OPTIMIZE TABLE {database}.closure_pairs FINAL;
OPTIMIZE TABLE {database}.closure_pairs_by_descendant FINAL;
