import { sql } from 'kysely';
import { Database, DEFAULT_TENANT } from '@tributary/store';
import { chunk } from '../support/concurrency';
import { LineageGraph } from '../catalog/lineage-graph';
import { GeneratedIncident } from './incident-history';

const ROWS_PER_INSERT = 10_000;

/**
 * Writes the incident history straight into the tenant's tables, as the ingestor's repository leaves
 * them (links resolved to their assets, open and critical flags kept). Not through the webhook: 200,000
 * deliveries would take minutes at the inbound rate measured elsewhere, and this suite measures the
 * questions asked of the stored history, not its ingest. The change log is not written either: the
 * analytics store is loaded by the rebuild, which reads these tables.
 */
export async function insertIncidents(database: Database, graph: LineageGraph, incidents: GeneratedIncident[]): Promise<void> {
  const ids = await database.inTenant(DEFAULT_TENANT, async (tx) => new Map((await sql<{ id: number; qualified_name: string }>`
    SELECT id, qualified_name FROM assets WHERE tenant_id = ${tx.tenantId}`.execute(tx.db)).rows.map((r) => [r.qualified_name, Number(r.id)])));
  for (const part of chunk(incidents, ROWS_PER_INSERT)) {
    await database.inTenant(DEFAULT_TENANT, async (tx) => {
      const column = <T>(f: (i: GeneratedIncident) => T) => part.map(f);
      await sql`
        INSERT INTO incidents (id, tenant_id, source, external_id, type, severity, status, started_at, updated_at, source_time, acknowledged_at, resolved_at)
        SELECT id, ${tx.tenantId}, 'montecarlo', id::text, type, severity, status, opened, coalesce(resolved, acked, opened), coalesce(resolved, acked, opened), acked, resolved
        FROM unnest(${column((i) => i.id)}::uuid[], ${column((i) => i.type)}::text[], ${column((i) => i.severity)}::text[],
                    ${column((i) => (i.resolvedAt ? 'resolved' : 'open'))}::text[], ${column((i) => i.openedAt)}::timestamptz[],
                    ${column((i) => i.acknowledgedAt)}::timestamptz[], ${column((i) => i.resolvedAt)}::timestamptz[])
          AS t(id, type, severity, status, opened, acked, resolved)`.execute(tx.db);
      const links = part.flatMap((i) => i.assets.map((a) => ({ incident: i, name: graph.assets[a].qualifiedName })));
      await sql`
        INSERT INTO incident_assets (tenant_id, incident_id, qualified_name, source_ref, asset_id, open, critical)
        SELECT ${tx.tenantId}, incident_id, name, name, asset_id, open, critical
        FROM unnest(${links.map((l) => l.incident.id)}::uuid[], ${links.map((l) => l.name)}::text[], ${links.map((l) => ids.get(l.name)!)}::bigint[],
                    ${links.map((l) => l.incident.resolvedAt === null)}::boolean[],
                    ${links.map((l) => l.incident.resolvedAt === null && (l.incident.severity === 'SEV-1' || l.incident.severity === 'SEV-2'))}::boolean[])
          AS t(incident_id, name, asset_id, open, critical)`.execute(tx.db);
    });
  }
}
