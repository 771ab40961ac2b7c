import type { FactBatch } from '@tributary/analytics';
import { AnalyticsFactsRepository, Database, TenantId } from '@tributary/store';
import { edgeKey, type RefreshPlan } from './refresh-plan';

/**
 * Reads the current state of the keys a plan names from PostgreSQL, in one transaction, as one
 * batch of facts stamped with the plan's versions. Keys with nothing behind them
 * (an incident id no row has) are left out: there is no state to write.
 */
export class FactReader {
  constructor(private readonly database: Database, private readonly facts = new AnalyticsFactsRepository()) {}

  async read(tenantId: TenantId, plan: RefreshPlan): Promise<FactBatch> {
    if (plan.assets.size + plan.edges.size + plan.incidents.size + plan.incidentsOnAssets.size === 0) return {};
    return this.database.inTenant(tenantId, async (tx) => {
      const incidents = new Map(plan.incidents);
      if (plan.incidentsOnAssets.size > 0) {
        // the state read is as new as every change of the batch: the batch's newest asset creation stamps them all
        const version = Math.max(...plan.incidentsOnAssets.values());
        for (const id of await this.facts.incidentIdsOnAssets(tx, [...plan.incidentsOnAssets.keys()])) {
          incidents.set(id, Math.max(incidents.get(id) ?? 0, version));
        }
      }
      const assetStates = await this.facts.assetsByNames(tx, [...plan.assets.keys()]);
      const edgeStates = await this.facts.edgesByPairs(tx, [...plan.edges.values()]);
      const incidentStates = await this.facts.incidentsByIds(tx, [...incidents.keys()]);

      const batch: FactBatch = {};
      if (assetStates.length > 0) batch.assets = assetStates.map((a) => ({ ...a, version: plan.assets.get(a.qualifiedName)! }));
      if (edgeStates.length > 0) batch.edges = edgeStates.map((e) => ({ ...e, version: plan.edges.get(edgeKey(e.from, e.to))!.version }));
      if (incidentStates.length > 0) batch.incidents = incidentStates.map((i) => ({ ...i, version: incidents.get(i.id)! }));
      return batch;
    });
  }
}
