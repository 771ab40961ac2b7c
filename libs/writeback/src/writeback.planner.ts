import { ChangeEventRecord } from '@tributary/contracts';
import type { NewJob } from '@tributary/queue';
import { AssetsRepository, AtlasWritebacksRepository, ConnectorsRepository, Database, IncidentsRepository, TenantId } from '@tributary/store';
import { BRIDGE_TYPES, WritebackJob } from './writeback.jobs';

/** Changes that can alter what a catalog entity shows of its asset: incidents, health, attributes (deprecation), tags. */
const ASSET_TRIGGERS = new Set(['asset.created', 'asset.updated', 'asset.classification.added', 'asset.classification.removed', 'asset.health.changed']);
const INCIDENT_TRIGGERS = new Set(['incident.opened', 'incident.updated', 'incident.resolved']);

/**
 * Decides, for a batch of one tenant's changes, which catalog entities to write back: each change
 * to an asset linked to an entity of a bridge connector with write-back on (an incident's change
 * counts for each of its assets) makes that (connector, asset) row want the asset's state as of the
 * change, and the connector gets a job. One job per connector and batch, however many changes: a
 * burst makes few jobs, and each job writes every pending row of its connector. The job's key
 * carries the batch's last sequence, so a change that comes while a job runs always gets a job of
 * its own (never refused because an older one holds the key).
 */
export class WritebackPlanner {
  constructor(
    private readonly database: Database,
    private readonly connectors: ConnectorsRepository,
    private readonly writebacks = new AtlasWritebacksRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly incidents = new IncidentsRepository(),
  ) {}

  async plan(tenantId: TenantId, events: ChangeEventRecord[]): Promise<NewJob<WritebackJob>[]> {
    const relevant = events.filter((e) => ASSET_TRIGGERS.has(e.type) || INCIDENT_TRIGGERS.has(e.type));
    if (relevant.length === 0) return [];
    const bridges = (await this.connectors.list(tenantId))
      .filter((c) => BRIDGE_TYPES.includes(c.type) && c.enabled && c.config.writeBack !== false)
      .map((c) => c.id);
    if (bridges.length === 0) return [];
    const pending = await this.database.inTenant(tenantId, async (tx) => {
      const sequenceOf = new Map<number, number>();
      const touch = (assetId: number, sequence: number) => sequenceOf.set(assetId, Math.max(sequenceOf.get(assetId) ?? 0, sequence));
      const byName = relevant.filter((e) => ASSET_TRIGGERS.has(e.type));
      const ids = await this.assets.idsByNames(tx, [...new Set(byName.map((e) => e.subject))]);
      for (const e of byName) {
        const id = ids.get(e.subject);
        if (id !== undefined) touch(id, e.sequence);
      }
      for (const e of relevant.filter((x) => INCIDENT_TRIGGERS.has(x.type))) {
        const incidentId = String((JSON.parse(e.data) as { incidentId?: unknown }).incidentId ?? '');
        if (!/^[0-9a-f-]{36}$/.test(incidentId)) continue;
        for (const id of await this.incidents.assetIdsOf(tx, [incidentId])) touch(id, e.sequence);
      }
      const links = await this.writebacks.links(tx, bridges, [...sequenceOf.keys()]);
      return this.writebacks.want(tx, links.map((l) => ({ connectorId: l.connectorId, assetId: l.assetId, sequence: sequenceOf.get(l.assetId)! })));
    });
    const last = Math.max(...relevant.map((e) => e.sequence));
    return pending.map((connectorId) => ({ data: { tenantId, connectorId }, dedupKey: `${tenantId}/${connectorId}/${last}` }));
  }
}
