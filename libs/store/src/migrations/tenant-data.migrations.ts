import { Migration, tenantIsolation } from './migration';

const tenantTables = [
  'tenant_sequences', 'assets', 'lineage_edges', 'classifications', 'incidents', 'incident_assets',
  'change_events', 'processed_events', 'audit_log', 'dead_letters',
];

/**
 * Tenant data. The same migrations build the pooled schema (many tenants, isolated by RLS), a
 * schema-placement tenant's own schema, and a dedicated tenant's database: the code above them does
 * not know which. Every table carries tenant_id, and RLS is forced so that even the owner cannot
 * forget the tenant.
 */
export const tenantDataMigrations: Migration[] = [
  {
    version: 1,
    name: 'catalog model',
    sql: (schema, role) => `
      -- One row per tenant: the change feed's sequence. Taking it under a row lock just before commit
      -- makes a tenant's sequence numbers commit in order, so a reader of "after N" never skips one.
      CREATE TABLE ${schema}.tenant_sequences (
        tenant_id text PRIMARY KEY,
        last_sequence bigint NOT NULL DEFAULT 0
      );

      CREATE TABLE ${schema}.assets (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL,
        qualified_name text NOT NULL CHECK (char_length(qualified_name) BETWEEN 1 AND 2048),
        type_name text NOT NULL,
        name text,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        version integer NOT NULL DEFAULT 1,
        upstream_open_incidents integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        UNIQUE (tenant_id, qualified_name)
      );
      CREATE INDEX assets_by_type ON ${schema}.assets (tenant_id, type_name, qualified_name) WHERE deleted_at IS NULL;

      -- Edges between live assets. Both directions are indexed: the walk goes either way.
      CREATE TABLE ${schema}.lineage_edges (
        tenant_id text NOT NULL,
        src_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        dst_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        process text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, src_id, dst_id),
        CHECK (src_id <> dst_id)
      );
      CREATE INDEX lineage_edges_upstream ON ${schema}.lineage_edges (tenant_id, dst_id, src_id);

      -- A tag on an asset: direct (set by a person or an ingest) or propagated (with provenance). The
      -- same name may stand once directly and once per (source asset, rule) propagated.
      CREATE TABLE ${schema}.classifications (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL,
        asset_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        name text NOT NULL,
        source text NOT NULL CHECK (source IN ('direct', 'propagated')),
        propagate boolean NOT NULL,
        propagated_from_id bigint REFERENCES ${schema}.assets (id),
        rule_id text,
        depth integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((source = 'direct') = (propagated_from_id IS NULL)),
        CHECK ((source = 'direct') = (rule_id IS NULL)),
        CHECK ((source = 'direct') = (depth IS NULL))
      );
      CREATE UNIQUE INDEX classifications_direct ON ${schema}.classifications (tenant_id, asset_id, name)
        WHERE source = 'direct';
      CREATE UNIQUE INDEX classifications_propagated
        ON ${schema}.classifications (tenant_id, asset_id, name, propagated_from_id, rule_id)
        WHERE source = 'propagated';
      CREATE INDEX classifications_by_origin ON ${schema}.classifications (tenant_id, propagated_from_id, name)
        WHERE source = 'propagated';
      CREATE INDEX classifications_by_name ON ${schema}.classifications (tenant_id, name, asset_id);

      CREATE TABLE ${schema}.incidents (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        source text NOT NULL,
        external_id text NOT NULL,
        type text NOT NULL,
        raw_type text,
        severity text,
        status text NOT NULL CHECK (status IN ('open', 'resolved')),
        raw_status text,
        title text,
        url text,
        owner text,
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (tenant_id, source, external_id)
      );

      -- The tables an incident touches. asset_id stays null while the mapped name has no asset yet;
      -- the reference is attached when that asset appears.
      CREATE TABLE ${schema}.incident_assets (
        tenant_id text NOT NULL,
        incident_id uuid NOT NULL REFERENCES ${schema}.incidents (id),
        qualified_name text NOT NULL,
        source_ref text NOT NULL,
        asset_id bigint REFERENCES ${schema}.assets (id),
        PRIMARY KEY (tenant_id, incident_id, qualified_name)
      );
      CREATE INDEX incident_assets_by_asset ON ${schema}.incident_assets (tenant_id, asset_id);
      CREATE INDEX incident_assets_unresolved ON ${schema}.incident_assets (tenant_id, qualified_name)
        WHERE asset_id IS NULL;

      -- The transactional outbox and change feed: written in the same transaction as the change.
      CREATE TABLE ${schema}.change_events (
        tenant_id text NOT NULL,
        sequence bigint NOT NULL,
        id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        subject text NOT NULL,
        time timestamptz NOT NULL,
        origin text NOT NULL,
        traceparent text,
        data jsonb NOT NULL,
        PRIMARY KEY (tenant_id, sequence)
      );

      -- Ids of events already applied, so that a redelivery changes nothing.
      CREATE TABLE ${schema}.processed_events (
        tenant_id text NOT NULL,
        event_key text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, event_key)
      );

      CREATE TABLE ${schema}.audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        subject text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_by_time ON ${schema}.audit_log (tenant_id, at);

      CREATE TABLE ${schema}.dead_letters (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        stream text NOT NULL,
        reason text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz
      );
      CREATE INDEX dead_letters_by_time ON ${schema}.dead_letters (tenant_id, created_at, id);

      ${tenantTables.map((t) => tenantIsolation(`${schema}.${t}`, role)).join('\n')}
      GRANT USAGE ON SCHEMA ${schema} TO ${role};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};
    `,
  },
  {
    version: 2,
    name: 'incident ordering and backfills',
    sql: (schema, role) => `
      -- The source's own time of the state last applied: an observation older than it is stale.
      ALTER TABLE ${schema}.incidents ADD COLUMN source_time timestamptz;
      ALTER TABLE ${schema}.incidents ADD COLUMN connector_id text;
      ALTER TABLE ${schema}.incidents ADD COLUMN raw jsonb NOT NULL DEFAULT '{}'::jsonb;
      CREATE INDEX incidents_by_status ON ${schema}.incidents (tenant_id, status, updated_at DESC, id);

      -- A touched table is identified by the source's own reference; its catalog name is null when
      -- no mapping rule of the connector matched it.
      ALTER TABLE ${schema}.incident_assets DROP CONSTRAINT incident_assets_pkey;
      ALTER TABLE ${schema}.incident_assets ALTER COLUMN qualified_name DROP NOT NULL;
      ALTER TABLE ${schema}.incident_assets ADD PRIMARY KEY (tenant_id, incident_id, source_ref);

      CREATE TABLE ${schema}.backfills (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        connector_id text NOT NULL,
        since timestamptz NOT NULL,
        until timestamptz,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        cursor jsonb NOT NULL DEFAULT '{}'::jsonb,
        pages integer NOT NULL DEFAULT 0,
        observations integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        rate_limited integer NOT NULL DEFAULT 0,
        last_error text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      ${tenantIsolation(`${schema}.backfills`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.backfills TO ${role};
    `,
  },
  {
    version: 3,
    name: 'rules and propagation',
    sql: (schema, role) => `
      -- Propagation and notification rules. Built-in rules have fixed ids and may only be switched off.
      CREATE TABLE ${schema}.rules (
        id text NOT NULL,
        tenant_id text NOT NULL,
        name text NOT NULL,
        builtin boolean NOT NULL DEFAULT false,
        enabled boolean NOT NULL DEFAULT true,
        trigger text[] NOT NULL,
        filter text,
        action jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );

      -- What a rule derives on downstream assets from one source, other than tags (those live in
      -- classifications): an attribute value, or a count of open incidents upstream.
      CREATE TABLE ${schema}.propagations (
        tenant_id text NOT NULL,
        rule_id text NOT NULL,
        source_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        key text NOT NULL,
        asset_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        depth integer NOT NULL,
        value jsonb NOT NULL,
        PRIMARY KEY (tenant_id, rule_id, source_id, key, asset_id)
      );
      CREATE INDEX propagations_by_asset ON ${schema}.propagations (tenant_id, asset_id, key);
      ALTER TABLE ${schema}.assets ADD COLUMN derived_attributes jsonb NOT NULL DEFAULT '{}'::jsonb;

      -- One propagation (rule, source, key) is recomputed by a fan-out job that stages the whole
      -- desired result under a new generation, then applied by partition jobs; an apply job of an
      -- older generation finds a newer one and does nothing, so the newest state always wins,
      -- whatever order the jobs run in.
      CREATE TABLE ${schema}.propagation_generations (
        tenant_id text NOT NULL,
        rule_id text NOT NULL,
        source_id bigint NOT NULL,
        key text NOT NULL,
        generation bigint NOT NULL,
        partitions integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, rule_id, source_id, key)
      );
      CREATE TABLE ${schema}.propagation_desired (
        tenant_id text NOT NULL,
        rule_id text NOT NULL,
        source_id bigint NOT NULL,
        key text NOT NULL,
        generation bigint NOT NULL,
        asset_id bigint NOT NULL,
        depth integer NOT NULL,
        value jsonb NOT NULL,
        PRIMARY KEY (tenant_id, rule_id, source_id, key, generation, asset_id)
      );

      ${['rules', 'propagations', 'propagation_generations', 'propagation_desired'].map((t) => tenantIsolation(`${schema}.${t}`, role)).join('\n')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.rules, ${schema}.propagations, ${schema}.propagation_generations,
        ${schema}.propagation_desired TO ${role};
    `,
  },
  {
    version: 4,
    name: 'propagation buckets',
    sql: (schema) => `
      -- Staged rows carry their bucket (asset id mod 64) so that an apply job reads its partition (a set
      -- of buckets) through an index instead of scanning the whole staged result.
      ALTER TABLE ${schema}.propagation_desired ADD COLUMN bucket smallint NOT NULL DEFAULT 0;
      CREATE INDEX propagation_desired_by_bucket ON ${schema}.propagation_desired (tenant_id, rule_id, source_id, key, generation, bucket);
    `,
  },
  {
    version: 5,
    name: 'change event payload',
    sql: (schema) => `
      -- The change log body (Avro single-object ChangeEvent), written with the row, so that Debezium can
      -- publish the outbox as it is and the relay need not encode again. NULL on rows written before.
      ALTER TABLE ${schema}.change_events ADD COLUMN payload bytea;
    `,
  },
  {
    version: 6,
    name: 'propagation partitions read by index',
    sql: (schema) => `
      -- An apply job reads its partition (a set of buckets: asset id mod 64, the repository's BUCKETS,
      -- which cannot change without a migration) of the staged result and of what the propagation
      -- wrote before. With the bucket after the generation in the primary key, and in the indexes of
      -- propagated tags and contributions, each read is an index range of the partition's rows
      -- instead of a scan of the whole propagation (100,000 rows per job at scale).
      ALTER TABLE ${schema}.propagation_desired DROP CONSTRAINT propagation_desired_pkey;
      ALTER TABLE ${schema}.propagation_desired ADD PRIMARY KEY (tenant_id, rule_id, source_id, key, generation, bucket, asset_id);
      DROP INDEX ${schema}.propagation_desired_by_bucket;
      DROP INDEX ${schema}.classifications_by_origin;
      CREATE INDEX classifications_by_origin ON ${schema}.classifications (tenant_id, propagated_from_id, name, (asset_id % 64))
        WHERE source = 'propagated';
      CREATE INDEX propagations_by_bucket ON ${schema}.propagations (tenant_id, rule_id, source_id, key, (asset_id % 64));
      -- Every propagated tag names its source, so this key was checked (and the source's row share-
      -- locked) once per row written: 100,000 times against the same row for one tag at scale. Assets
      -- are never deleted (only marked deleted, which retracts what they propagated), so the check
      -- could never fail; the asset the tag is on keeps its foreign key.
      ALTER TABLE ${schema}.classifications DROP CONSTRAINT classifications_propagated_from_id_fkey;
    `,
  },
  {
    version: 7,
    name: 'open incidents by asset',
    sql: (schema) => `
      -- Each link carries whether its incident is open and critical (open, SEV-1 or SEV-2), kept by the
      -- incidents repository on every write, so that an asset's health and open-incident count are an
      -- index-only read of its open links. They were an aggregate over all its incidents, open or not,
      -- joined to each: at 40 incidents an asset, the ingest's biggest cost in PostgreSQL.
      ALTER TABLE ${schema}.incident_assets ADD COLUMN open boolean NOT NULL DEFAULT false,
        ADD COLUMN critical boolean NOT NULL DEFAULT false;
      UPDATE ${schema}.incident_assets ia SET open = i.status = 'open', critical = i.status = 'open' AND coalesce(i.severity IN ('SEV-1', 'SEV-2'), false)
        FROM ${schema}.incidents i WHERE i.tenant_id = ia.tenant_id AND i.id = ia.incident_id;
      CREATE INDEX incident_assets_open ON ${schema}.incident_assets (tenant_id, asset_id) INCLUDE (incident_id, critical) WHERE open;
    `,
  },
  {
    version: 8,
    name: 'ignored deliveries',
    sql: (schema, role) => `
      -- Deliveries a source sent that are not ones Tributary acts on (a Monte Carlo monitor
      -- notification, a payload version it does not read, a body without an incident id): answered
      -- 202, kept verbatim with the reason for GET /v1/ignored-deliveries, never applied. Keyed by the
      -- inbound delivery's id, so a log record read twice is kept once.
      CREATE TABLE ${schema}.ignored_deliveries (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        connector_id text NOT NULL,
        received_at timestamptz NOT NULL,
        reason text NOT NULL,
        action text,
        type text,
        version text,
        body text NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX ignored_deliveries_by_time ON ${schema}.ignored_deliveries (tenant_id, received_at, id);
      CREATE INDEX ignored_deliveries_by_connector ON ${schema}.ignored_deliveries (tenant_id, connector_id, received_at, id);
      ${tenantIsolation(`${schema}.ignored_deliveries`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.ignored_deliveries TO ${role};
    `,
  },
  {
    version: 12,
    name: 'delivery keys by age',
    sql: (schema) => `
      -- Retention deletes the oldest delivery keys a batch at a time (RetentionRepository): found
      -- through this index, not by scanning every key of the tenant. The other pruned tables are read
      -- in the order of an index they already have (change feed sequence, dead letters and audit by time).
      CREATE INDEX processed_events_by_time ON ${schema}.processed_events (tenant_id, processed_at);
    `,
  },
  {
    version: 10,
    name: 'dead letters know their record',
    sql: (schema) => `
      -- A parked log record carries its identity (its stream position and a digest of its bytes): a
      -- batch that is retried after a record of it was parked parks that record again, and this makes
      -- the second park a no-op (once per record). The digest keeps a position that is used again
      -- (topics deleted and made anew) from passing a new record for one parked before.
      ALTER TABLE ${schema}.dead_letters ADD COLUMN record_identity text;
      CREATE UNIQUE INDEX dead_letters_by_record ON ${schema}.dead_letters (tenant_id, stream, record_identity) WHERE record_identity IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'backfill run lease',
    sql: (schema) => `
      -- One run of a backfill at a time: a run takes the lease before it pages and renews it before
      -- every page and every rate-limit wait, so a second delivery of the job (a redelivery, a replay)
      -- finds it taken and skips. It expires on its own when the run's process dies.
      ALTER TABLE ${schema}.backfills ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
    `,
  },
  {
    version: 13,
    name: 'dead letters stamped to the millisecond',
    sql: (schema) => `
      -- The dead-letter list pages by (created_at, id) with a cursor that carries the time as an API
      -- time (milliseconds): a microsecond stamp let a page skip the letters of the same millisecond
      -- (a batch parked in one transaction shares its now()). Stamps are whole milliseconds now.
      ALTER TABLE ${schema}.dead_letters ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
      UPDATE ${schema}.dead_letters SET created_at = date_trunc('milliseconds', created_at) WHERE created_at <> date_trunc('milliseconds', created_at);
    `,
  },
  {
    version: 14,
    name: 'incident acknowledge and resolve times',
    sql: (schema) => `
      -- When an incident was first acknowledged (its source status said investigating, acknowledged or
      -- work in progress) and when it was resolved (cleared when it opens again), kept by the incidents
      -- repository on every write: the analytics' mean times to acknowledge and to resolve read them.
      -- Before this, neither was recorded: a resolved incident's last update is the best known time of
      -- its resolution; no time of acknowledgement can be recovered.
      ALTER TABLE ${schema}.incidents ADD COLUMN acknowledged_at timestamptz, ADD COLUMN resolved_at timestamptz;
      UPDATE ${schema}.incidents SET resolved_at = updated_at WHERE status = 'resolved';
    `,
  },
  {
    version: 15,
    name: 'incident facts outbox',
    sql: (schema, role) => `
      -- The incident-facts outbox: one Avro IncidentFact (the incident's whole state after a change)
      -- per incident change event, written in the transaction of the change and relayed like the
      -- change log (embedded relay or Debezium) to the incident-facts topics that Druid ingests.
      -- A fact shares its change event's sequence (and id): the relay moves both outboxes under one
      -- offset, and retention prunes a fact with its change event.
      CREATE TABLE ${schema}.incident_facts (
        tenant_id text NOT NULL,
        sequence bigint NOT NULL,
        id uuid NOT NULL,
        key text NOT NULL,
        time timestamptz NOT NULL,
        traceparent text,
        payload bytea NOT NULL,
        PRIMARY KEY (tenant_id, sequence)
      );
      ${tenantIsolation(`${schema}.incident_facts`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.incident_facts TO ${role};
    `,
  },
  {
    version: 16,
    name: 'notification deliveries',
    sql: (schema, role) => `
      -- One row per (notify rule, incident, target connector): the message or ticket that tells the
      -- destination about the incident. The unique key is the delivery's idempotency: a redelivered
      -- change, a retry or a second propagator finds the row, never makes a second one. The notifier
      -- raises wanted_sequence to the newest change of the incident it must show; a delivery job
      -- brings sent_sequence up to it, so a change is shown once however often it is delivered.
      CREATE TABLE ${schema}.notification_deliveries (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        rule_id text NOT NULL,
        connector_id uuid NOT NULL,
        incident_id uuid NOT NULL,
        digest boolean NOT NULL,
        wanted_sequence bigint NOT NULL,
        sent_sequence bigint NOT NULL DEFAULT 0,
        -- the incident's status in what was last sent (a change to it is a resolve or a reopen)
        sent_status text,
        -- what the destination gave back for the first message (Slack channel and ts, Jira issue key)
        ref jsonb,
        -- pending: a change to send; sent: up to date; retrying: the last attempt failed and will be
        -- tried again; parked: given up (a permanent error, attempts exhausted, the connector gone),
        -- in the dead letters for replay
        status text NOT NULL,
        attempts jsonb NOT NULL DEFAULT '[]',
        attempt_count integer NOT NULL DEFAULT 0,
        -- 429s in a row, for the backoff when the destination names no Retry-After
        limited_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        -- a job sending this delivery holds it until then (a lease: a job that died lets go when it ends)
        claimed_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, rule_id, incident_id, connector_id)
      );
      CREATE INDEX notification_deliveries_pending ON ${schema}.notification_deliveries (tenant_id, rule_id, connector_id)
        WHERE wanted_sequence > sent_sequence;
      CREATE INDEX notification_deliveries_by_time ON ${schema}.notification_deliveries (tenant_id, created_at DESC, id DESC);
      ${tenantIsolation(`${schema}.notification_deliveries`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.notification_deliveries TO ${role};
      -- When a destination's rate limit (a Slack channel: about one message a second) next admits a
      -- send, shared by every process that delivers.
      CREATE TABLE ${schema}.notification_slots (
        tenant_id text NOT NULL,
        key text NOT NULL,
        next_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, key)
      );
      ${tenantIsolation(`${schema}.notification_slots`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.notification_slots TO ${role};
    `,
  },
  {
    version: 17,
    name: 'openlineage jobs and column lineage',
    sql: (schema, role) => `
      -- An OpenLineage job's last applied COMPLETE: an older one arriving later (out of order by its
      -- eventTime) must not roll the job's edges back, and a redelivery of the same one changes nothing.
      CREATE TABLE ${schema}.openlineage_jobs (
        tenant_id text NOT NULL,
        -- the job qualified by its namespace, as its edges' process
        process text NOT NULL,
        last_complete_at timestamptz NOT NULL,
        last_run_id text,
        -- a digest of the edges that COMPLETE set: a run that sets the same ones (a scheduled job's
        -- usual run) is known to change nothing without reading them back
        edges_digest text NOT NULL,
        PRIMARY KEY (tenant_id, process)
      );
      ${tenantIsolation(`${schema}.openlineage_jobs`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.openlineage_jobs TO ${role};
      -- The edges each job's last COMPLETE produced: its next COMPLETE removes those it no longer
      -- produces, and only those no other job still produces.
      CREATE TABLE ${schema}.openlineage_job_edges (
        tenant_id text NOT NULL,
        process text NOT NULL,
        src_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        dst_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        PRIMARY KEY (tenant_id, process, src_id, dst_id)
      );
      CREATE INDEX openlineage_job_edges_by_edge ON ${schema}.openlineage_job_edges (tenant_id, src_id, dst_id);
      ${tenantIsolation(`${schema}.openlineage_job_edges`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.openlineage_job_edges TO ${role};
      -- An asset's column lineage (the columnLineage facet of the newest event that carried one):
      -- per output column, its input fields with their transformations.
      CREATE TABLE ${schema}.column_lineage (
        tenant_id text NOT NULL,
        asset_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        fields jsonb NOT NULL,
        event_time timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, asset_id)
      );
      ${tenantIsolation(`${schema}.column_lineage`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.column_lineage TO ${role};
      -- When an asset's columns were last set from a schema facet (the event's time): an older event
      -- delivered later does not overwrite them.
      CREATE TABLE ${schema}.dataset_schemas (
        tenant_id text NOT NULL,
        asset_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        event_time timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, asset_id)
      );
      ${tenantIsolation(`${schema}.dataset_schemas`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.dataset_schemas TO ${role};
    `,
  },
  {
    version: 18,
    name: 'directory of people and groups',
    sql: (schema, role) => `
      -- The tenant's directory (Okta: event hooks, SCIM provisioning, backfills): who an asset's
      -- \`owner\` names. A person's id is ours and is also their SCIM id; okta_id is Okta's user id
      -- (hooks and the management API name people by it), external_id the SCIM client's externalId.
      -- source_time is the newest source time applied to the row: an older event arriving later
      -- (Okta delivers out of order) is stale and changes nothing. A removed person or group keeps
      -- its row with deleted_at, so that a late event about it is still seen as stale.
      CREATE TABLE ${schema}.people (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        login text NOT NULL CHECK (char_length(login) BETWEEN 1 AND 512),
        email text,
        display_name text,
        given_name text,
        family_name text,
        -- active, staged, suspended, deactivated or deleted (Okta's lifecycle, SCIM's active flag)
        status text NOT NULL,
        okta_id text,
        external_id text,
        source_time timestamptz,
        version integer NOT NULL DEFAULT 1,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE UNIQUE INDEX people_okta_id ON ${schema}.people (tenant_id, okta_id) WHERE okta_id IS NOT NULL;
      -- a login names one live person: SCIM's userName uniqueness, and what an asset's owner resolves by
      CREATE UNIQUE INDEX people_login ON ${schema}.people (tenant_id, lower(login)) WHERE deleted_at IS NULL;
      CREATE INDEX people_email ON ${schema}.people (tenant_id, lower(email)) WHERE deleted_at IS NULL;
      ${tenantIsolation(`${schema}.people`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.people TO ${role};

      CREATE TABLE ${schema}.directory_groups (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 512),
        okta_id text,
        external_id text,
        source_time timestamptz,
        version integer NOT NULL DEFAULT 1,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE UNIQUE INDEX directory_groups_okta_id ON ${schema}.directory_groups (tenant_id, okta_id) WHERE okta_id IS NOT NULL;
      CREATE UNIQUE INDEX directory_groups_name ON ${schema}.directory_groups (tenant_id, lower(name)) WHERE deleted_at IS NULL;
      ${tenantIsolation(`${schema}.directory_groups`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.directory_groups TO ${role};

      -- A membership removed keeps its row (member = false) with the time of the removal, so that an
      -- older "add" delivered after it is stale.
      CREATE TABLE ${schema}.group_members (
        tenant_id text NOT NULL,
        group_id uuid NOT NULL,
        person_id uuid NOT NULL,
        member boolean NOT NULL,
        source_time timestamptz,
        PRIMARY KEY (tenant_id, group_id, person_id)
      );
      CREATE INDEX group_members_person ON ${schema}.group_members (tenant_id, person_id) WHERE member;
      ${tenantIsolation(`${schema}.group_members`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.group_members TO ${role};

      -- The source events applied (Okta's LogEvent uuid): a redelivery finds its id here and changes nothing.
      -- Pruned with the delivery keys (retention): a redelivery older than that is still stale by its time.
      CREATE TABLE ${schema}.directory_events (
        tenant_id text NOT NULL,
        event_id text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, event_id)
      );
      CREATE INDEX directory_events_by_time ON ${schema}.directory_events (tenant_id, applied_at);
      ${tenantIsolation(`${schema}.directory_events`, role)}
      GRANT SELECT, INSERT, DELETE ON ${schema}.directory_events TO ${role};
    `,
  },
  {
    version: 19,
    name: 'owner-loss notices',
    sql: (schema) => `
      -- A notify rule on asset.owner.deactivated tells of an owner lost (a person deactivated, a
      -- group deleted), not of an incident: its delivery names the loss (owner_loss: the \`loss\` id
      -- its change events share) and holds the notice as it was planned (who, why, the assets), made
      -- once with every asset of the loss. The partial unique key is its idempotency, as
      -- (rule, incident, connector) is an incident's: a replay or a second planner finds the row.
      ALTER TABLE ${schema}.notification_deliveries
        ALTER COLUMN incident_id DROP NOT NULL,
        ADD COLUMN owner_loss uuid,
        ADD COLUMN notice jsonb,
        ADD CONSTRAINT notification_deliveries_one_subject CHECK ((incident_id IS NULL) <> (owner_loss IS NULL));
      CREATE UNIQUE INDEX notification_deliveries_owner_loss ON ${schema}.notification_deliveries (tenant_id, rule_id, owner_loss, connector_id)
        WHERE owner_loss IS NOT NULL;
      -- The planner reads every event of a loss when it meets one of them (they commit together).
      CREATE INDEX change_events_owner_loss ON ${schema}.change_events (tenant_id, (data->>'loss'))
        WHERE type = 'asset.owner.deactivated';
    `,
  },
  {
    version: 20,
    name: 'catalog bridge entities',
    sql: (schema, role) => `
      -- The entities an Atlas or Atlan connector brought in, by the catalog's guid: a process's ends
      -- (guids) and a delete (a guid) find their assets here, and the write-back finds the entity of an
      -- asset. event_time is the newest notification applied to the entity: an older one is stale
      -- (Atlas keys its records by nothing, so two partitions reorder one entity's changes).
      CREATE TABLE ${schema}.atlas_entities (
        tenant_id text NOT NULL,
        connector_id uuid NOT NULL,
        guid text NOT NULL,
        -- the catalog's type and qualifiedName (an asset's own name may carry the connector's prefix)
        type_name text NOT NULL,
        qualified_name text NOT NULL,
        -- null for a process (lineage, not an asset)
        asset_id bigint,
        is_process boolean NOT NULL,
        -- the tags the catalog showed attached directly at the last notification (its names: Atlan's hashed ids)
        direct_tags text[] NOT NULL DEFAULT '{}',
        event_time timestamptz NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (tenant_id, connector_id, guid)
      );
      CREATE INDEX atlas_entities_asset ON ${schema}.atlas_entities (tenant_id, asset_id) WHERE asset_id IS NOT NULL;
      CREATE INDEX atlas_entities_name ON ${schema}.atlas_entities (tenant_id, connector_id, qualified_name);
      ${tenantIsolation(`${schema}.atlas_entities`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.atlas_entities TO ${role};
    `,
  },
  {
    version: 21,
    name: 'catalog bridge write-back',
    sql: (schema, role) => `
      -- What the bridge writes back to a catalog entity (incidents and health as Monte Carlo attributes
      -- and an announcement, deprecation, propagated tags), one row per connector and asset: a change
      -- makes it want the asset's state as of that change (wanted_sequence), a write brings it up to
      -- date. \`written\` is the state last written ({attributes, tags}): the next write sends only what
      -- differs (writing the same state twice changes nothing), and it is the outbox the source side
      -- compares a notification with, so that the bridge's own writes never come back as direct changes.
      CREATE TABLE ${schema}.atlas_writebacks (
        tenant_id text NOT NULL,
        connector_id uuid NOT NULL,
        asset_id bigint NOT NULL,
        wanted_sequence bigint NOT NULL,
        sent_sequence bigint NOT NULL DEFAULT 0,
        written jsonb,
        written_at timestamptz,
        -- pending: a change to write; sent: up to date; retrying: the last attempt failed and will be
        -- tried again; parked: given up (a permanent error, attempts exhausted), in the dead letters
        status text NOT NULL,
        attempts jsonb NOT NULL DEFAULT '[]',
        attempt_count integer NOT NULL DEFAULT 0,
        limited_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        claimed_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (tenant_id, connector_id, asset_id)
      );
      CREATE INDEX atlas_writebacks_pending ON ${schema}.atlas_writebacks (tenant_id, connector_id, next_attempt_at)
        WHERE wanted_sequence > sent_sequence;
      ${tenantIsolation(`${schema}.atlas_writebacks`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.atlas_writebacks TO ${role};
    `,
  },
  {
    version: 22,
    name: 'pipeline latency',
    sql: (schema, role) => `
      -- How far behind the pipeline runs, per stage (ingest: a delivery received until its observation
      -- is applied; propagation: a change until the writes it propagates are committed), aggregated per
      -- minute by the process that did the work, so that the API reads it whichever process that was.
      -- buckets[i] counts the samples up to the i-th fixed bound of the repository's LATENCY_BOUNDS_MS
      -- (those of the Prometheus histograms, the last +Inf): they cannot change without a migration.
      CREATE TABLE ${schema}.pipeline_latency (
        tenant_id text NOT NULL,
        stage text NOT NULL CHECK (stage IN ('ingest', 'propagation')),
        minute timestamptz NOT NULL CHECK (minute = date_trunc('minute', minute)),
        count integer NOT NULL,
        sum_ms bigint NOT NULL,
        max_ms integer NOT NULL,
        buckets integer[] NOT NULL,
        PRIMARY KEY (tenant_id, stage, minute)
      );
      ${tenantIsolation(`${schema}.pipeline_latency`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.pipeline_latency TO ${role};
    `,
  },
  {
    version: 23,
    name: 'catalog bridge process edges',
    sql: (schema, role) => `
      -- The edges each catalog process makes (its inputs x outputs at its last notification), by the
      -- process's qualified name: an edge two processes make is drawn once (lineage_edges names the
      -- first), and stays while any process, or an OpenLineage job, still makes it. Edges drawn before
      -- this table are known by their lineage_edges.process until the process's next notification.
      CREATE TABLE ${schema}.atlas_process_edges (
        tenant_id text NOT NULL,
        process text NOT NULL,
        src_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        dst_id bigint NOT NULL REFERENCES ${schema}.assets (id),
        PRIMARY KEY (tenant_id, process, src_id, dst_id)
      );
      CREATE INDEX atlas_process_edges_by_edge ON ${schema}.atlas_process_edges (tenant_id, src_id, dst_id);
      ${tenantIsolation(`${schema}.atlas_process_edges`, role)}
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.atlas_process_edges TO ${role};
    `,
  },
];
