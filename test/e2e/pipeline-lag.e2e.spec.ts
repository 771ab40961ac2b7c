import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface StageLag { stage: string; count: number; p50Ms: number | null; p95Ms: number | null; maxMs: number | null; lastAt: string | null }
interface Lag { window: string; since: string; stages: StageLag[] }

/**
 * GET /v1/metrics/lag on the all-in-one platform: the ingestor and the propagator record what they
 * did in the tenant's own data, and the API reads it back per tenant.
 */
describe('GET /v1/metrics/lag', () => {
  let t: TestApp;
  let otherViewerKey: string;
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const lag = async (query = '', key?: string) => (await t.http().get(`/v1/metrics/lag${query}`).set(auth(key)).expect(200)).body as Lag;
  const stage = (l: Lag, name: string) => l.stages.find((s) => s.stage === name)!;

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0 } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: ['warehouse/public/orders', 'marts/sales']
      .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'warehouse/public/orders', to: 'marts/sales' }] }).expect(200);
    const otherAdminKey = (await t.http().post('/v1/tenants').set(auth()).send({ id: 'lag-other', name: 'Other', placement: 'pooled' }).expect(201)).body.adminKey;
    otherViewerKey = (await t.http().post('/v1/api-keys').set(auth(otherAdminKey)).send({ name: 'viewer', roles: ['viewer'] }).expect(201)).body.key;
  });
  afterAll(async () => { await t?.close(); });

  it('says nothing ran yet: both stages, count 0 and no latency', async () => {
    expect(await lag()).toMatchObject({ window: '15m', stages: [
      { stage: 'ingest', count: 0, p50Ms: null, p95Ms: null, maxMs: null, lastAt: null },
      { stage: 'propagation', count: 0, p50Ms: null, p95Ms: null, maxMs: null, lastAt: null },
    ] });
  });

  it('counts a Monte Carlo webhook applied as ingest, from its arrival until its incident was applied', async () => {
    const connector = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
    // a table with nothing downstream: its incident propagates nothing (a health write downstream would be
    // a propagation sample of its own, recorded whenever it lands, and the next test counts those)
    const body = JSON.stringify(incidentWebhook({ incidentId: 'lag-1', tables: ['warehouse:public.payments'] }));
    const sentAt = Date.now();
    await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
    await waitFor('the incident applied', async () =>
      ((await t.http().get('/v1/incidents').set(auth())).body.items.some((i: { externalId: string }) => i.externalId === 'lag-1') ? true : undefined));

    const ingest = await waitFor('the ingest latency recorded', async () => {
      const s = stage(await lag(), 'ingest');
      return s.count >= 1 ? s : undefined;
    });
    expect(ingest.count).toBe(1);
    expect(ingest.p95Ms).toBeGreaterThan(0);
    expect(ingest.p50Ms).toBeLessThanOrEqual(ingest.p95Ms!);
    expect(ingest.p95Ms).toBeLessThanOrEqual(ingest.maxMs!);
    // the minute of the sample: not before the minute the webhook was sent in
    expect(Date.parse(ingest.lastAt!)).toBeGreaterThanOrEqual(Math.floor(sentAt / 60_000) * 60_000);
  });

  it('counts a propagated tag as propagation, once its writes are committed', async () => {
    await t.http().post(`/v1/assets/${enc('warehouse/public/orders')}/classifications`).set(auth()).send({ name: 'PII', propagate: true }).expect(200);
    const propagation = await waitFor('the propagation latency recorded', async () => {
      const s = stage(await lag('?window=1h'), 'propagation');
      return s.count >= 1 ? s : undefined;
    });
    expect(propagation.maxMs).not.toBeNull();
    const downstream = (await t.http().get(`/v1/assets/${enc('marts/sales')}`).set(auth())).body.classifications;
    expect(downstream).toEqual([expect.objectContaining({ name: 'PII', source: 'propagated' })]);
  });

  it('shows a viewer of another tenant only that tenant\'s lag: nothing', async () => {
    const other = await lag('', otherViewerKey);
    expect(other.stages.map((s) => [s.stage, s.count])).toEqual([['ingest', 0], ['propagation', 0]]);
  });

  it('takes windows from 1m to 7d, and answers the window it used', async () => {
    for (const window of ['1m', '2h', '7d']) expect((await lag(`?window=${window}`)).window).toBe(window);
    const week = await lag('?window=7d');
    expect(Date.now() - Date.parse(week.since)).toBeGreaterThanOrEqual(7 * 86_400_000);
  });

  it.each([
    ['a window without a unit', '15'],
    ['a window in weeks', '1w'],
    ['a window of 0 minutes', '0m'],
    ['a window over 7 days', '8d'],
    ['a window of 169 hours', '169h'],
  ])('refuses %s: 422 invalid_query naming the window', async (_what, window) => {
    const res = await t.http().get(`/v1/metrics/lag?window=${window}`).set(auth());
    expect([res.status, res.body.error.code, res.body.error.details.issues[0].path]).toEqual([422, 'invalid_query', 'window']);
  });

  it('refuses an unknown parameter, and a credential without the viewer role', async () => {
    const unknown = await t.http().get('/v1/metrics/lag?since=2026-01-01').set(auth());
    expect([unknown.status, unknown.body.error.code]).toEqual([422, 'invalid_query']);
    const metricsOnly = (await t.http().post('/v1/api-keys').set(auth()).send({ name: 'prometheus', roles: ['metrics'] }).expect(201)).body.key;
    const refused = await t.http().get('/v1/metrics/lag').set(auth(metricsOnly));
    expect([refused.status, refused.body.error.code]).toEqual([403, 'role_required']);
  });
});
