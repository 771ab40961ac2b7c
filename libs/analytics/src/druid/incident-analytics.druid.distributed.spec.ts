import { randomUUID } from 'node:crypto';
import { datasourceOf } from '@tributary/druid-ingestion';
import { asTenantId } from '@tributary/store';
import { DruidBatchLoader, druidUrl } from '../../../../test/support/druid-batch';
import { describeIncidentAnalyticsContract, placementOfTestTenant } from '../incident-analytics.contract';
import { DruidIncidentAnalytics } from './druid-incident-analytics';
import { DruidSqlClient } from './druid-sql.client';

/**
 * This run's own datasources (a pooled one and one per dedicated tenant, as datasourceOf of
 * libs/druid-ingestion names them with the run as the prefix): new to the broker, as a tenant's first
 * facts are, and apart from other runs' and from Kafka-ingested ones.
 */
const run = randomUUID().slice(0, 8);
const datasourceOfTenant = (tenant: string) => datasourceOf(`test_${run}`, tenant, placementOfTestTenant(asTenantId(tenant)));

describeIncidentAnalyticsContract(`Druid (${druidUrl})`, async () => {
  const loader = new DruidBatchLoader();
  return {
    analytics: new DruidIncidentAnalytics(new DruidSqlClient({ url: druidUrl }), async (tenantId) => datasourceOfTenant(tenantId)),
    load: (facts) => loader.load(facts, datasourceOfTenant),
    dispose: async () => undefined,
  };
});

describe(DruidIncidentAnalytics.name, () => {
  it('answers a tenant whose datasource Druid does not know yet (nothing ingested) like an empty one', async () => {
    const analytics = new DruidIncidentAnalytics(new DruidSqlClient({ url: druidUrl }), async () => `never_ingested_${run}`);
    const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') };
    expect(await analytics.incidentTrends(asTenantId('acme'), { ...range, granularity: 'hour', groupBy: 'asset' })).toEqual([]);
    expect(await analytics.incidentSummary(asTenantId('acme'), range)).toEqual({ openNow: 0, opened: 0, resolved: 0, meanSecondsToAcknowledge: null, meanSecondsToResolve: null });
  });
});
