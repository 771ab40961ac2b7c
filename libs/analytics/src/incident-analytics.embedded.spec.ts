import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFacts, describeIncidentAnalyticsContract, placementOfTestTenant } from './incident-analytics.contract';
import { openAnalyticsStore } from './open-analytics-store';

/** Incident analytics on the embedded analytics store (ClickHouse in-process, chdb), dedicated tenants in their own database. */
describeIncidentAnalyticsContract('the embedded analytics store (chdb)', async () => {
  const path = await mkdtemp(join(tmpdir(), 'tributary-incident-analytics-'));
  const store = await openAnalyticsStore({ path, databaseOf: async (tenantId) => (placementOfTestTenant(tenantId) === 'dedicated' ? 'tributary_dedicated' : 'tributary') });
  return {
    analytics: store,
    load: (facts) => applyFacts(store, facts),
    dispose: async () => { await store.close(); await rm(path, { recursive: true, force: true }); },
  };
});
