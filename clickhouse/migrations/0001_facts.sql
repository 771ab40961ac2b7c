-- The catalog's facts, one row per version. ReplacingMergeTree(version) keeps the newest row of each
-- key when parts merge; until then readers use FINAL, so a replayed or older fact never counts twice.
-- Every table is ordered by tenant_id first: the store adds the tenant predicate to every query,
-- also in a dedicated tenant's own database, so a query can never read past its tenant's range.

-- node = cityHash64(qualified_name), stored because the closure and the edges join on it.
CREATE TABLE IF NOT EXISTS {database}.assets
(
    tenant_id      String,
    qualified_name String,
    node           UInt64 DEFAULT cityHash64(qualified_name),
    type_name      LowCardinality(String),
    owner          Nullable(String),
    deleted        UInt8,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, node);

-- present = 0: the edge was removed. Ordered by src so that a walk downstream reads a range.
CREATE TABLE IF NOT EXISTS {database}.edges
(
    tenant_id String,
    src_name  String,
    dst_name  String,
    src       UInt64 DEFAULT cityHash64(src_name),
    dst       UInt64 DEFAULT cityHash64(dst_name),
    present   UInt8,
    version   UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, src, dst);

CREATE TABLE IF NOT EXISTS {database}.incidents
(
    tenant_id       String,
    id              String,
    source          LowCardinality(String),
    type            LowCardinality(String),
    severity        Nullable(String),
    status          LowCardinality(String),
    opened_at       DateTime64(3, 'UTC'),
    acknowledged_at Nullable(DateTime64(3, 'UTC')),
    resolved_at     Nullable(DateTime64(3, 'UTC')),
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, id);

-- A link that a later version of the incident no longer lists is written again with linked = 0.
CREATE TABLE IF NOT EXISTS {database}.incident_assets
(
    tenant_id      String,
    incident_id    String,
    qualified_name String,
    node           UInt64 DEFAULT cityHash64(qualified_name),
    linked         UInt8,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, incident_id, node);
