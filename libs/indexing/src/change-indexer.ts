import type { AnalyticsStore } from '@tributary/analytics';
import type { ChangeEventRecord } from '@tributary/contracts';
import type { TenantId } from '@tributary/store';
import { FactReader } from './fact-reader';
import { planRefresh, type RefreshPlan } from './refresh-plan';

/**
 * One tenant's batch of changes into the analytics store: plan the keys they touch, read those keys'
 * current state from PostgreSQL, write it as one batch of facts. Safe to run again on the same
 * changes (a redelivery, a replayed log): the facts are stamped with the changes' sequences and the
 * store keeps the newest version of each.
 */
export class ChangeIndexer {
  constructor(private readonly reader: FactReader, private readonly analytics: AnalyticsStore) {}

  /** Indexes the changes; returns those whose data does not say what they are about (the caller parks them). */
  async index(tenantId: TenantId, events: readonly ChangeEventRecord[]): Promise<RefreshPlan['rejected']> {
    const plan = planRefresh(events);
    const batch = await this.reader.read(tenantId, plan);
    if ((batch.assets?.length ?? 0) + (batch.edges?.length ?? 0) + (batch.incidents?.length ?? 0) > 0) await this.analytics.apply(tenantId, batch);
    return plan.rejected;
  }
}
