-- The closure holds pairs up to the store's closure depth (6 hops by default), not 50: on the
-- benchmark graph (100k assets, 300k edges) pairs up to 50 hops number about 4.1 billion, up to 6
-- about 31 million (clickhouse/README.md). Deeper answers jump through the closure (closure-search.ts).

-- The closure again, ordered by descendant: upstream walks and the maintenance's "ancestors of"
-- read a range here instead of scanning the tenant's whole closure. Filled by the materialized view
-- below from every insert into closure (pairs and tombstones alike, so FINAL reads agree).
CREATE TABLE IF NOT EXISTS {database}.closure_by_descendant
(
    tenant_id  String,
    ancestor   UInt64,
    descendant UInt64,
    depth      UInt8,
    version    UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, descendant, ancestor);

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.closure_by_descendant_feed TO {database}.closure_by_descendant
AS SELECT tenant_id, ancestor, descendant, depth, version, is_deleted FROM {database}.closure;

-- The rows a closure written before this migration already held (running this twice writes them
-- twice: FINAL collapses the copies, which carry the same key and version).
INSERT INTO {database}.closure_by_descendant SELECT tenant_id, ancestor, descendant, depth, version, is_deleted FROM {database}.closure;

-- A search deeper than the closure, one partition per search (dropped when it ends): node reached
-- from the group's roots (an incident's assets, or an impact's roots) at its shortest depth.
CREATE TABLE IF NOT EXISTS {database}.search_staging
(
    search_id String,
    grp       String,
    node      UInt64,
    depth     UInt8
)
ENGINE = MergeTree
PARTITION BY search_id
ORDER BY (grp, node);
