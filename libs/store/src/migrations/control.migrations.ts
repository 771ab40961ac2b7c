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
];
