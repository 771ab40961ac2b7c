import { randomBytes } from 'node:crypto';
import { DruidIncidentAnalytics, DruidSqlClient } from '@tributary/analytics';
import { applySupervisors, DruidOverlord, incidentFactsSupervisors, pooledDatasource } from '@tributary/druid-ingestion';
import { DEFAULT_TENANT, ServerRepository } from '@tributary/store';
import { removeDatasource } from '../test/support/druid-batch';
import { startDistributedPlatform } from './distributed/distributed-platform';
import { acquireEngines } from './distributed/engines';
import { acquireDruid, DruidEngine } from './druid/druid-engine';
import { measureTrendQueries } from './druid/trend-queries';
import { measureWebhookFreshness } from './druid/webhook-freshness';
import { setUpCatalog } from './inbound/inbound-fixture';
import { WebhookPlanner } from './inbound/webhook-plan';
import { ApiClient } from './support/api-client';
import { BenchSuite, Measurement } from './suite';

const FRESHNESS_RATES = [200, 500];
const FRESHNESS_SECONDS = 20;
/** How long the first incident may take to reach a new datasource (the supervisor's first task starting). */
const FIRST_VISIBLE_MS = 180_000;

/**
 * Druid as the incident analytics engine: webhook → visible in Druid's trends on the distributed
 * platform (api, ingestor and propagator processes on Kafka, the relay writing the incident-facts
 * topic, Druid's supervisor reading it with the project's input format), then the trends and summary
 * over a million incident facts on Druid beside the embedded analytics store on the same history.
 * `npm run bench -- druid`.
 */
export const druidSuite: BenchSuite = {
  id: 'druid',
  title: 'Druid: incident facts from webhooks to trends, and trends over a million facts beside the embedded engine',
  run: async (progress) => {
    const engines = await acquireEngines(progress);
    let druid: DruidEngine | undefined;
    try {
      druid = await acquireDruid(progress);
      const overlord = new DruidOverlord(druid.overlordUrl);
      const { freshness, postgresVersion } = await freshnessOnKafka(engines.env, druid, overlord, progress);
      const queriesDatasource = `bench-${randomBytes(4).toString('hex')}_incident_facts`;
      try {
        const queries = await measureTrendQueries(druid.brokerUrl, queriesDatasource, progress);
        return {
          postgresVersion,
          parameters: [
            ['engines', 'Kafka (KRaft), Druid 33.0.0 (ZooKeeper, coordinator-overlord, broker, historical, indexer with 3 slots; scripts/engines.sh), the machine\'s PostgreSQL and Redis'],
            ['freshness', `${FRESHNESS_RATES.join(' and ')} webhooks/s for ${FRESHNESS_SECONDS} s each, every webhook a new incident on one of 2,000 tables`],
            ['queries', `${queries.facts.toLocaleString('en-US')} incident facts of ${queries.incidents.toLocaleString('en-US')} incidents over 90 days, one tenant`],
          ],
          table: queries.table,
          measurements: [...freshness, ...queries.measurements],
          figures: [],
          notes: [
            'Freshness runs on the distributed platform: api, ingestor and propagator as three processes (dist/), the change relay in the propagator moving each incident\'s fact to the pooled incident-facts topic, Druid\'s Kafka supervisor (one task) reading it with the tributary-avro input format. Druid\'s count of opened incidents (the summary the API serves, through the Druid adapter) is polled every 50 ms; the k-th incident counted is paired with the k-th webhook sent, from its send (before its commit). The datasource existed (a first incident was waited for) before the clock started.',
            'Everything shares the machine\'s two cores: the three app processes, Kafka, Druid\'s five JVMs, PostgreSQL, Redis, the load generator and the poller.',
            'Queries: the facts go into a datasource of the run by native batch (the Kafka path is the same data schema); the analytics store (chdb, in the bench process) gets each incident\'s newest state. Each answer is compared between the engines before timing (equal, means to 1e-6); one untimed run, then 10 timed, Druid and the store one after the other, nothing else running.',
          ],
        };
      } finally {
        await removeDatasource(queriesDatasource);
      }
    } finally {
      await druid?.release();
      await engines.release();
    }
  },
};

async function freshnessOnKafka(env: Record<string, string>, druid: DruidEngine, overlord: DruidOverlord, progress: (line: string) => void)
  : Promise<{ freshness: Measurement[]; postgresVersion: string }> {
  const platform = await startDistributedPlatform(env, progress);
  const prefix = platform.runtime.config.topicPrefix;
  const datasource = pooledDatasource(prefix);
  try {
    const specs = incidentFactsSupervisors([{ id: DEFAULT_TENANT, placement: 'pooled' }],
      { topicPrefix: prefix, kafkaBrokers: platform.runtime.config.kafkaBrokers!, decoding: { kind: 'tributary-avro' } });
    await applySupervisors(overlord, prefix, specs);
    const apiUrl = platform.processes.api.url;
    const connector = await setUpCatalog(new ApiClient(apiUrl, platform.adminKey));
    const analytics = new DruidIncidentAnalytics(new DruidSqlClient({ url: druid.brokerUrl }), async () => datasource);
    const visibleIncidents = async () => {
      const now = Date.now();
      return (await analytics.incidentSummary(DEFAULT_TENANT, { from: new Date(now - 86_400_000), to: new Date(now + 86_400_000) })).opened;
    };
    const planner = new WebhookPlanner(connector.signingSecret, 20_261_203);
    progress('freshness: a first incident, to have the datasource exist before the clock starts');
    const warmUp = await measureWebhookFreshness({ apiUrl, connector, planner, visibleIncidents, rates: [1], seconds: 1, drainMs: FIRST_VISIBLE_MS }, () => undefined);
    progress(`freshness: the first incident took ${warmUp[0].value}`);
    const freshness = await measureWebhookFreshness({ apiUrl, connector, planner, visibleIncidents, rates: FRESHNESS_RATES, seconds: FRESHNESS_SECONDS }, progress);
    return { freshness, postgresVersion: await new ServerRepository(platform.runtime.database).version() };
  } finally {
    await removeDatasource(datasource);
    await platform.stop();
  }
}
