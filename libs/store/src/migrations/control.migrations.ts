import { Migration, tenantIsolation } from './migration';

/**
 * The control plane, in schema `tributary` of the main database: tenants and API keys. Keys are
 * looked up by the platform's own connection before any tenant is known (authentication), so RLS is
 * enabled for the app role but not forced on the owner.
 */
export const controlMigrations: Migration[] = [
  {
    version: 1,
    name: 'tenants and api keys',
    sql: (schema, role) => `
      CREATE TABLE ${schema}.tenants (
        id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        placement text NOT NULL CHECK (placement IN ('pooled', 'schema', 'dedicated')),
        data_schema text NOT NULL,
        database_url_sealed text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((placement = 'dedicated') = (database_url_sealed IS NOT NULL))
      );
      CREATE TABLE ${schema}.api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES ${schema}.tenants (id),
        name text NOT NULL,
        roles text[] NOT NULL,
        platform_admin boolean NOT NULL DEFAULT false,
        secret_hash bytea NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_keys_tenant ON ${schema}.api_keys (tenant_id, created_at);
      ${tenantIsolation(`${schema}.api_keys`, role, false)}
      GRANT USAGE ON SCHEMA ${schema} TO ${role};
      GRANT SELECT, INSERT, UPDATE ON ${schema}.api_keys TO ${role};
    `,
  },
  {
    version: 2,
    name: 'connectors and the embedded event log',
    sql: (schema, role) => `
      -- Connectors are found by id alone when a webhook arrives (before any tenant is known), so they
      -- live in the control plane like API keys: RLS for the app role, the owner does the lookup.
      CREATE TABLE ${schema}.connectors (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES ${schema}.tenants (id),
        type text NOT NULL,
        name text NOT NULL,
        config jsonb NOT NULL,
        secrets_sealed text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX connectors_by_tenant ON ${schema}.connectors (tenant_id, created_at);
      ${tenantIsolation(`${schema}.connectors`, role, false)}
      GRANT SELECT, INSERT, UPDATE ON ${schema}.connectors TO ${role};

      -- The embedded event log (the Kafka adapter's stand-in): streams of opaque records. A reader
      -- takes only rows whose writing transaction is older than every transaction still running
      -- (txid < xmin of its snapshot), in (txid, seq) order: such rows can no longer appear or
      -- change, so a reader that remembers the last (txid, seq) it handled never skips a row that
      -- commits late, and never sees one twice.
      CREATE TABLE ${schema}.event_log (
        stream text NOT NULL,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id text NOT NULL,
        key text NOT NULL,
        value bytea NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        appended_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream, txid, seq)
      );
      CREATE TABLE ${schema}.event_log_offsets (
        group_id text NOT NULL,
        stream text NOT NULL,
        txid xid8 NOT NULL,
        seq bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, stream)
      );
    `,
  },
  {
    version: 3,
    name: 'change relay offsets',
    sql: (schema) => `
      -- The embedded change relay's position in each tenant's change feed (Debezium keeps its own).
      CREATE TABLE ${schema}.relay_offsets (
        tenant_id text PRIMARY KEY,
        sequence bigint NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'records held back per tenant',
    sql: (schema) => `
      -- Records a consumer group could not handle for one tenant (its database unreachable, a batch
      -- that fails), taken out of the stream so that the other tenants go on. While a tenant has held
      -- records its new ones are held too, behind them; the group's retrier hands them back to the
      -- handler in id order (the order they were held in), on the tenant's own backoff. The offset
      -- makes holding a redelivered batch again a no-op.
      CREATE TABLE ${schema}.held_records (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        group_id text NOT NULL,
        stream text NOT NULL,
        tenant_id text NOT NULL,
        record_offset text NOT NULL,
        key text NOT NULL,
        value bytea NOT NULL,
        headers jsonb NOT NULL,
        appended_at timestamptz NOT NULL,
        held_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (group_id, stream, record_offset)
      );
      CREATE INDEX held_records_by_tenant ON ${schema}.held_records (group_id, stream, tenant_id, id);
      -- A held tenant's backoff, and the lease of the retrier draining it (one at a time, in order).
      CREATE TABLE ${schema}.held_tenants (
        group_id text NOT NULL,
        stream text NOT NULL,
        tenant_id text NOT NULL,
        failures integer NOT NULL DEFAULT 0,
        retry_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        held_since timestamptz NOT NULL DEFAULT now(),
        drained_until timestamptz,
        PRIMARY KEY (group_id, stream, tenant_id)
      );
    `,
  },
];
