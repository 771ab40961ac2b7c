import { escapeIdentifier, Pool } from 'pg';

/** The outbox tables Debezium captures from a tenant's schema: the change log's and the incident facts'. */
const OUTBOX_TABLES = ['change_events', 'incident_facts'];

/**
 * Debezium's per-tenant connector (deploy/debezium/connector.sh) reads the outbox tables in its
 * publication, named `outbox_per_tenant_<database>` by that script. A table it finds only when it
 * restarts would lose every row written before that restart: the publication decides what logical
 * decoding emits as each row is decoded, and the connector snapshots new tables only on its first
 * start. So a tenant placed in its own schema or database joins that publication when it is
 * provisioned, before it can write anything, if the publication exists (in relay mode, or before the
 * connector is registered, there is none: registering snapshots what is there).
 */
export async function joinOutboxPublication(pool: Pool, schema: string): Promise<void> {
  const { rows } = await pool.query<{ pub: string; exists: boolean; members: string[] }>(`
    SELECT p.name AS pub,
           EXISTS (SELECT 1 FROM pg_publication WHERE pubname = p.name) AS exists,
           ARRAY(SELECT tablename::text FROM pg_publication_tables WHERE pubname = p.name AND schemaname = $1) AS members
    FROM (SELECT 'outbox_per_tenant_' || current_database() AS name) p`, [schema]);
  const { pub, exists, members } = rows[0];
  if (!exists) return;
  for (const table of OUTBOX_TABLES.filter((t) => !members.includes(t))) {
    await pool.query(`ALTER PUBLICATION ${escapeIdentifier(pub)} ADD TABLE ${escapeIdentifier(schema)}.${escapeIdentifier(table)}`);
  }
}
