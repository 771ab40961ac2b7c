import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { applySupervisors, DruidOverlord, incidentFactsSupervisors, pooledDatasource } from '@tributary/druid-ingestion';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { AppParts } from '@tributary/platform';
import { asTenantId } from '@tributary/store';
import { apiApp } from '../../apps/api/src/api.app';
import { ingestorApp } from '../../apps/ingestor/src/ingestor.app';
import { propagatorApp } from '../../apps/propagator/src/propagator.app';
import { druidOverlordUrl, druidUrl, removeDatasource } from '../support/druid-batch';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const tables = ['orders', 'customers'];
const asset = (table: string) => `snowflake/acme/ANALYTICS/PUBLIC/${table.toUpperCase()}`;

/** api, ingestor and propagator (with the change relay) in one process, on Kafka; the trends from Druid. */
const platformOnKafka: AppParts = {
  name: 'api+ingestor+propagator',
  modules: (runtime) => [apiApp, ingestorApp, propagatorApp].flatMap((a) => a.modules(runtime)),
  onReady: apiApp.onReady,
};

interface TrendSeries { key: string; points: { time: string; opened: number; resolved: number; openAtEnd: number }[] }

/**
 * The whole distributed path of incident analytics, on the real engines: Monte Carlo webhooks → api →
 * Kafka → ingestor → PostgreSQL (incident and its fact, one transaction) → relay → the incident-facts
 * topic → Druid's Kafka supervisor, decoding with the project's input format (druid-specs/extension)
 * → GET /v1/analytics/incidents/trends and /summary answered by Druid (DRUID_URL). Two pooled tenants
 * share the datasource; neither sees the other's incidents.
 */
describe('Incident trends from Druid, fed by Monte Carlo webhooks through Kafka', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `tributary-druid-${run}`;
  const other = `druid-${run}`;
  const topics = STREAMS.map((s) => topicOf(s, asTenantId('default'), 'pooled', prefix));
  const overlord = new DruidOverlord(druidOverlordUrl);
  let t: TestApp;
  let otherKey: string;
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const day = new Date();
  const from = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) - 86_400_000);
  const to = new Date(from.getTime() + 3 * 86_400_000);
  const range = `from=${from.toISOString()}&to=${to.toISOString()}`;

  async function monteCarlo(key: string) {
    await t.http().put('/v1/assets').set(auth(key)).send({ assets: tables.map((n) => ({ qualifiedName: asset(n), typeName: 'Table' })) }).expect(200);
    const c = (await t.http().post('/v1/connectors').set(auth(key)).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
    return async (payload: Record<string, unknown>) => {
      const body = JSON.stringify(payload);
      await t.http().post(`/v1/hooks/montecarlo/${c.id}`).set('Content-Type', 'application/json')
        .set('x-mcd-signature', signMonteCarlo(body, c.signingSecret)).send(body).expect(202);
    };
  }
  const summary = async (key: string) => (await t.http().get(`/v1/analytics/incidents/summary?${range}`).set(auth(key)).expect(200)).body;
  const trends = async (key: string, groupBy: string) =>
    (await t.http().get(`/v1/analytics/incidents/trends?${range}&granularity=day&groupBy=${groupBy}`).set(auth(key)).expect(200)).body;
  const opened = (series: TrendSeries[]) => Object.fromEntries(series.map((s) => [s.key, s.points.reduce((n, p) => n + p.opened, 0)]));

  beforeAll(async () => {
    await createTopics(brokers, topics, 3, 3_600_000);
    t = await startTestApp({ parts: platformOnKafka, config: { kafkaBrokers: brokers.join(','), topicPrefix: prefix, druidUrl, changeCapture: 'relay' } });
    otherKey = (await t.http().post('/v1/tenants').set(auth()).send({ id: other, name: 'Other', placement: 'pooled' }).expect(201)).body.adminKey;
    const specs = incidentFactsSupervisors([{ id: 'default', placement: 'pooled' }, { id: other, placement: 'pooled' }],
      { topicPrefix: prefix, kafkaBrokers: brokers.join(','), decoding: { kind: 'tributary-avro' } });
    expect(await applySupervisors(overlord, prefix, specs)).toMatchObject({ created: [pooledDatasource(prefix)] });
  });

  afterAll(async () => {
    await removeDatasource(pooledDatasource(prefix));
    await t?.close();
    const admin = new Kafka({ clientId: 'druid-spec', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('applying the same specs again changes nothing', async () => {
    const specs = incidentFactsSupervisors([{ id: 'default', placement: 'pooled' }, { id: other, placement: 'pooled' }],
      { topicPrefix: prefix, kafkaBrokers: brokers.join(','), decoding: { kind: 'tributary-avro' } });
    expect(await applySupervisors(overlord, prefix, specs)).toEqual({ created: [], updated: [], unchanged: [pooledDatasource(prefix)], unmanaged: [] });
  });

  it('answers the trends and summary from Druid within seconds of the webhooks, each tenant its own', async () => {
    const deliver = await monteCarlo(t.adminKey);
    const deliverOther = await monteCarlo(otherKey);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await deliver(incidentWebhook({ incidentId: a, tables: ['analytics:public.orders'] }));
    await deliver(incidentWebhook({ incidentId: b, tables: ['analytics:public.customers'], severity: 'SEV-1' }));
    await deliverOther(incidentWebhook({ incidentId: c, tables: ['analytics:public.orders'] }));
    await deliver(incidentUpdateWebhook({ incidentId: a, feedback: 'fixed' }));

    const mine = await waitFor('Druid to show the default tenant\'s two incidents, one resolved', async () => {
      const s = await summary(t.adminKey);
      return s.opened === 2 && s.resolved === 1 ? s : undefined;
    }, 90_000);
    expect(mine).toMatchObject({ engine: 'druid', openNow: 1, opened: 2, resolved: 1 });
    expect(opened((await trends(t.adminKey, 'asset')).series)).toEqual({ [asset('orders')]: 1, [asset('customers')]: 1 });
    expect(opened((await trends(t.adminKey, 'severity')).series)).toEqual({ none: 1, 'SEV-1': 1 });

    const theirs = await waitFor('Druid to show the other tenant\'s incident', async () => {
      const s = await summary(otherKey);
      return s.opened === 1 ? s : undefined;
    }, 90_000);
    expect(theirs).toMatchObject({ engine: 'druid', openNow: 1, opened: 1, resolved: 0 });
    expect(opened((await trends(otherKey, 'asset')).series)).toEqual({ [asset('orders')]: 1 });
  });
});
