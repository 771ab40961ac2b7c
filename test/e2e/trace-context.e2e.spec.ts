import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { settled } from '../support/propagation';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const DAILY = 'snowflake/acme/ANALYTICS/PUBLIC/DAILY_ORDERS';
const REPORT = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS_REPORT';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCOMING = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

interface FeedItem { sequence: number; type: string; subject: string; origin: string; traceparent: string | null }
const traceId = (tp: string | null) => tp?.split('-')[1];
const spanId = (tp: string | null) => tp?.split('-')[2];

/**
 * One trace from a webhook to the writes rules make from it: webhook -> inbound record -> incident
 * change event -> change record -> fan-out job -> apply job -> propagated change events.
 */
describe('Trace context across the pipeline', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const feed = async () => (await t.http().get('/v1/changes?limit=1000').set(auth()).expect(200)).body.items as FeedItem[];
  const metrics = async () => (await t.http().get('/metrics').set(auth()).expect(200)).text;

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    await t.http().put('/v1/assets').set(auth())
      .send({ assets: [ORDERS, DAILY, REPORT].map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: ORDERS, to: DAILY }, { from: DAILY, to: REPORT }] }).expect(200);
    const mc = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } })
      .expect(201)).body as { id: string; signingSecret: string };
    await settled(t);

    const body = JSON.stringify(incidentWebhook({ tables: ['analytics:public.orders'], updatedTime: new Date().toISOString() }));
    await t.http().post(`/v1/hooks/montecarlo/${mc.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, mc.signingSecret)).set('traceparent', INCOMING).send(body).expect(202);
    await waitFor('the incident to reach the change feed', async () => ((await feed()).some((e) => e.type === 'incident.opened') ? true : undefined));
    await settled(t);
  });
  afterAll(async () => { await t.close(); });

  it('the incident event and the rule-made events downstream carry the webhook\'s trace id, each process step its own span', async () => {
    const events = await feed();
    const opened = events.find((e) => e.type === 'incident.opened')!;
    expect(opened.origin).toMatch(/^ingest:/);
    const propagated = events.filter((e) => e.origin.startsWith('rule:') && e.type === 'asset.health.changed');
    expect(propagated.map((e) => e.subject).sort()).toEqual([DAILY, REPORT]);

    const traced = [opened, ...propagated];
    expect(traced.map((e) => traceId(e.traceparent))).toEqual(traced.map(() => TRACE_ID));
    // the webhook request, the ingestor's write and the apply job are three spans (one apply job wrote both assets)
    const spans = new Set(propagated.map((e) => spanId(e.traceparent)));
    expect(spans.size).toBe(1);
    expect(new Set([spanId(INCOMING), spanId(opened.traceparent), ...spans]).size).toBe(3);
  });

  it('exports the change-to-propagated-write latency and the consumer lag of both groups', async () => {
    const text = await metrics();
    expect(text).toMatch(/tributary_propagation_latency_seconds_count\{app="platform"\} [1-9]/);
    expect(text).toMatch(/tributary_ingest_latency_seconds_count\{app="platform",source="montecarlo",from="source"\} [1-9]/);
    expect(text).toMatch(/tributary_consumer_lag_records\{[^}]*group="propagator",stream="changes"[^}]*\} 0/);
    expect(text).toMatch(/tributary_consumer_lag_records\{[^}]*group="ingestor",stream="inbound"[^}]*\} 0/);
  });
});
