import { randomUUID } from 'node:crypto';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentNode, warehouseTable } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const RECONCILED = 'snowflake/acme/ANALYTICS/PUBLIC/RECONCILED';

interface Connector { id: string; signingSecret: string }
type Incident = { id: string; externalId: string; status: string; severity: string | null; owner: string | null; rawStatus: string | null;
  assets: { qualifiedName: string }[] };
type Change = { type: string; origin: string; data: { incidentId?: string } };

describe('Monte Carlo reconciliation (TRIBUTARY_RECONCILE_MINUTES)', () => {
  let t: TestApp;
  let mc: MonteCarloGraphqlServer;
  let withApi: Connector;
  let hooksOnly: Connector;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const deliver = async (c: Connector, payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const res = await t.http().post(`/v1/hooks/montecarlo/${c.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, c.signingSecret)).send(body);
    expect(res.status).toBe(202);
  };
  const incident = async (externalId: string): Promise<Incident | undefined> =>
    (await t.http().get('/v1/incidents?limit=500').set(auth())).body.items.find((i: Incident) => i.externalId === externalId);
  const eventually = (what: string, externalId: string, check: (i: Incident) => boolean) =>
    waitFor(what, async () => {
      const found = await incident(externalId);
      return found && check(found) ? found : undefined;
    }, 30_000);
  const changesOf = async (incidentId: string) => ((await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as Change[])
    .filter((e) => e.type.startsWith('incident.') && e.data.incidentId === incidentId);
  const passes = async (outcome: string) =>
    Number(new RegExp(`tributary_reconciliations_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec((await t.http().get('/metrics').set(auth()).expect(200)).text)?.[1] ?? 0);
  const byIdReads = () => mc.requests.filter((r) => r.rootField === 'getIncidents' && Array.isArray(r.args.incidentIds));
  /** Monte Carlo's record of an incident created an hour ago on the reconciled table. */
  const mcIncident = (uuid: string, overrides: Record<string, unknown> = {}) => incidentNode({ uuid, incidentSubTypes: ['volume_anomaly'],
    createdTime: new Date(Date.now() - 3_600_000).toISOString(), events: { edges: [{ node: { table: warehouseTable('analytics:public.reconciled') } }] },
    ...overrides });

  beforeAll(async () => {
    mc = await MonteCarloGraphqlServer.start();
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 1 / 60, ...LOCAL_OUTBOUND_CONFIG } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: RECONCILED, typeName: 'Table' }] });
    withApi = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'with-api',
      config: { mappings: MAPPINGS, graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url, models: ['incidents'] } } })).body;
    hooksOnly = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'hooks-only', config: { mappings: MAPPINGS } })).body;
  });
  afterAll(async () => {
    await t.close();
    await mc.stop();
  });

  it('repairs drift as ordinary change events: a lost resolution, a lost incident, a lost owner and severity', async () => {
    const [lostResolution, lostIncident, lostUpdate] = [randomUUID(), randomUUID(), randomUUID()];
    await deliver(withApi, incidentWebhook({ incidentId: lostResolution, tables: ['analytics:public.reconciled'] }));
    await deliver(withApi, incidentWebhook({ incidentId: lostUpdate, tables: ['analytics:public.reconciled'], owner: 'dana@acme.io' }));
    // what Monte Carlo says now: the first resolved, a third it never sent, the second reassigned and marked
    mc.incidents.push(
      mcIncident(lostResolution, { feedback: 'FIXED', feedbackTime: new Date().toISOString() }),
      mcIncident(lostIncident, { severity: 'SEV-1' }),
      mcIncident(lostUpdate, { owner: 'lee@acme.io', severity: 'SEV-2', feedback: 'INVESTIGATING' }),
    );

    const resolved = await eventually('the lost resolution', lostResolution, (i) => i.status === 'resolved');
    expect(resolved.rawStatus).toBe('FIXED');
    expect((await changesOf(resolved.id)).map((e) => [e.type, e.origin])).toEqual([
      ['incident.opened', `ingest:${withApi.id}`], ['incident.resolved', `ingest:${withApi.id}`]]);
    const found = await eventually('the lost incident', lostIncident, () => true);
    expect(found).toMatchObject({ status: 'open', severity: 'SEV-1', assets: [{ qualifiedName: RECONCILED }] });
    expect((await changesOf(found.id)).map((e) => e.type)).toEqual(['incident.opened']);
    await eventually('the lost owner and severity', lostUpdate, (i) => i.owner === 'lee@acme.io' && i.severity === 'SEV-2');
    expect((await t.http().get(`/v1/assets/${enc(RECONCILED)}`).set(auth())).body.health.status).toBe('critical');
  });

  it('changes nothing when nothing drifted, pass after pass', async () => {
    const id = randomUUID();
    mc.incidents.push(mcIncident(id, { severity: 'SEV-3' }));
    const { id: incidentId } = await eventually('the incident', id, () => true);
    const before = await passes('succeeded');
    await waitFor('two more passes', async () => ((await passes('succeeded')) >= before + 2 ? true : undefined), 30_000);
    expect((await changesOf(incidentId)).map((e) => e.type)).toEqual(['incident.opened']);
  });

  it('waits out a rate limit and goes on; a pass that fails is counted and the next one repairs', async () => {
    const [afterRateLimit, afterOutage] = [randomUUID(), randomUUID()];
    mc.failNext(1, { status: 429, retryAfterSeconds: 1 });
    mc.incidents.push(mcIncident(afterRateLimit));
    await eventually('the incident read after a 429', afterRateLimit, () => true);
    expect(mc.requests.some((r) => r.status === 429)).toBe(true);

    const failedBefore = await passes('failed');
    mc.failNext(3, { status: 503 });
    mc.incidents.push(mcIncident(afterOutage));
    await eventually('the incident read after the outage', afterOutage, () => true);
    expect(await passes('failed')).toBeGreaterThan(failedBefore);
  });

  it('never reads for a connector without credentials: arrival order stands', async () => {
    const id = randomUUID();
    await deliver(hooksOnly, incidentWebhook({ incidentId: id }));
    await eventually('the webhook', id, () => true);
    const before = await passes('succeeded');
    await waitFor('two more passes', async () => ((await passes('succeeded')) >= before + 2 ? true : undefined), 30_000);
    expect(byIdReads().some((r) => (r.args.incidentIds as string[]).includes(id))).toBe(false);
    expect(await incident(id)).toMatchObject({ status: 'open' });
  });
});
