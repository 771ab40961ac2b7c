import { platformApp } from '../../apps/platform/src/platform.app';
import { alertNode, incidentNode, warehouseTable } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

describe('Monte Carlo backfill', () => {
  let t: TestApp;
  let mc: MonteCarloGraphqlServer;
  let connectorId: string;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const progress = async (id: string) => (await t.http().get(`/v1/backfills/${id}`).set(auth())).body;

  beforeAll(async () => {
    mc = await MonteCarloGraphqlServer.start();
    // no reconciliation: its reads would shift the faults this spec places on the n-th request
    t = await startTestApp({ parts: platformApp, config: { jobBackoffMs: 1000, jobAttempts: 3, reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }] });
    const res = await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc-api',
      config: { mappings: MAPPINGS, graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url } } });
    connectorId = res.body.id;
  });
  afterAll(async () => {
    await t.close();
    await mc.stop();
  });

  it('pages through incidents and alerts, survives a failure and a 429 in the middle, and resumes where it stopped', async () => {
    for (let i = 0; i < 250; i++) {
      mc.incidents.push(incidentNode({ createdTime: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
        feedback: i % 2 ? 'FIXED' : null, events: { edges: [{ node: { table: warehouseTable('analytics:public.orders') } }] } }));
    }
    for (let i = 0; i < 30; i++) mc.alerts.push(alertNode({ createdTime: new Date(Date.UTC(2026, 10, 2, 0, i)).toISOString() }));
    mc.failRequest(2, { status: 500 });
    mc.failRequest(4, { status: 429, retryAfterSeconds: 1 });

    const created = await t.http().post('/v1/backfills').set(auth()).send({ connectorId, since: '2026-11-01T00:00:00Z', until: '2026-11-03T00:00:00Z' });
    expect(created.status).toBe(202);
    const done = await waitFor('the backfill to finish', async () => {
      const p = await progress(created.body.id);
      return p.status === 'succeeded' || p.status === 'failed' ? p : undefined;
    }, 30_000);
    expect(done).toMatchObject({ status: 'succeeded', pages: 4, observations: 280, attempts: 2, rateLimited: 1, connectorId });

    const incidentRequests = mc.requests.filter((r) => r.rootField === 'getIncidents');
    const afters = incidentRequests.filter((r) => r.status === 200).map((r) => r.variables.after ?? null);
    expect(new Set(afters).size).toBe(3); // each of the three pages fetched successfully exactly once
    const failed = incidentRequests.find((r) => r.status === 500)!;
    const resumed = incidentRequests[incidentRequests.indexOf(failed) + 1];
    expect(resumed.variables.after).toBe(failed.variables.after); // resumed at the page that failed, not from the start

    const incidents = await waitFor('280 incidents', async () => {
      const items = (await t.http().get('/v1/incidents?limit=500&source=montecarlo').set(auth())).body.items;
      return items.length === 280 ? items : undefined;
    });
    expect(incidents.filter((i: { status: string }) => i.status === 'open').length).toBe(125 + 30);
    const asset = (await t.http().get(`/v1/assets/${enc(ORDERS)}`).set(auth())).body;
    expect(asset.health).toMatchObject({ status: 'warning', openIncidents: 155 });
  });

  it('running the same range again changes nothing', async () => {
    const before = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.next;
    const again = await t.http().post('/v1/backfills').set(auth()).send({ connectorId, since: '2026-11-01T00:00:00Z', until: '2026-11-03T00:00:00Z' });
    await waitFor('the second backfill', async () => ((await progress(again.body.id)).status === 'succeeded' ? true : undefined), 30_000);
    await waitFor('the ingestor to drain', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
    expect((await t.http().get('/v1/changes?limit=1000').set(auth())).body.next).toBe(before);
  });

  it('gives up after its attempts, marks the backfill failed with the reason, and parks it for a replay', async () => {
    mc.failNext(3, { status: 503 });
    const res = await t.http().post('/v1/backfills').set(auth()).send({ connectorId, since: '2026-11-01T00:00:00Z' });
    const failed = await waitFor('the backfill to fail', async () => {
      const p = await progress(res.body.id);
      return p.status === 'failed' ? p : undefined;
    }, 30_000);
    expect(failed.lastError).toMatch(/503/);
    const letter = (await t.http().get('/v1/dead-letters').set(auth())).body.items.find((d: { stream: string }) => d.stream === 'jobs:backfill');
    expect(letter.reason).toMatch(/backfill failed after 3 attempts/);
    const replay = await t.http().post(`/v1/dead-letters/${letter.id}/replay`).set(auth());
    expect(replay.status).toBe(202);
    const recovered = await waitFor('the replayed backfill', async () => {
      const p = await progress(res.body.id);
      return p.status === 'succeeded' ? p : undefined;
    }, 30_000);
    expect(recovered.attempts).toBe(4);
  });

  it('rejects bad requests', async () => {
    const post = (body: object) => t.http().post('/v1/backfills').set(auth()).send(body);
    expect((await post({ connectorId, since: 'yesterday' })).status).toBe(422);
    expect((await post({ connectorId, since: '2026-11-02T00:00:00Z', until: '2026-11-01T00:00:00Z' })).body.error.code).toBe('invalid_range');
    expect((await post({ connectorId: '00000000-0000-4000-8000-000000000000', since: '2026-11-01T00:00:00Z' })).status).toBe(404);
    const noApi = await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'hooks-only', config: { mappings: MAPPINGS } });
    expect((await post({ connectorId: noApi.body.id, since: '2026-11-01T00:00:00Z' })).body.error.code).toBe('no_history');
    expect((await t.http().get('/v1/backfills/nope').set(auth())).status).toBe(400);
    expect((await t.http().get('/v1/backfills/00000000-0000-4000-8000-000000000000').set(auth())).status).toBe(404);
    expect((await t.http().get('/v1/backfills?cursor=nope').set(auth())).body.error.code).toBe('invalid_cursor');
  });

  it('lists the tenant\'s backfills with their progress, newest first, a page at a time; never another tenant\'s', async () => {
    const all = (await t.http().get('/v1/backfills?limit=200').set(auth()).expect(200)).body;
    expect(all.items.length).toBeGreaterThanOrEqual(3);
    expect(all.nextCursor).toBeNull();
    const times = all.items.map((b: { createdAt: string }) => b.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.items[all.items.length - 1]).toMatchObject({ connectorId, status: 'succeeded', since: '2026-11-01T00:00:00.000Z' });
    const first = (await t.http().get('/v1/backfills?limit=2').set(auth()).expect(200)).body;
    const rest = (await t.http().get(`/v1/backfills?limit=200&cursor=${first.nextCursor}`).set(auth()).expect(200)).body;
    expect([...first.items, ...rest.items].map((b: { id: string }) => b.id)).toEqual(all.items.map((b: { id: string }) => b.id));
    const other = (await t.http().post('/v1/tenants').set(auth()).send({ id: 'backfills-other', name: 'Other', placement: 'pooled' }).expect(201)).body;
    expect((await t.http().get('/v1/backfills').set({ Authorization: `Bearer ${other.adminKey}` }).expect(200)).body.items).toEqual([]);
  });
});
