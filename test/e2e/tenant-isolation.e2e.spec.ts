import { Client } from 'pg';
import { FANOUT_QUEUE, FanoutJob } from '@tributary/propagation';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { TcpProxy } from '../support/tcp-proxy';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-postgres';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const REPORT = 'bi/orders-report';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

interface Tenant { id: string; key: string; connector: { id: string; signingSecret: string } }

/**
 * One dedicated tenant whose database becomes unreachable (its URL goes through a proxy the test
 * closes) beside a healthy pooled tenant. `broken` sorts before `default`, so a loop over tenants
 * in id order meets the broken one first.
 */
describe('One broken tenant beside healthy ones', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let brokenDb: { url: string; drop: () => Promise<void> };
  let healthy: Tenant;
  let broken: Tenant;
  const as = (tenant: { key: string }) => ({ Authorization: `Bearer ${tenant.key}` });
  const deliver = async (tenant: Tenant, incidentId: string) => {
    const body = JSON.stringify(incidentWebhook({ incidentId }));
    const res = await t.http().post(`/v1/hooks/montecarlo/${tenant.connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, tenant.connector.signingSecret)).send(body);
    expect(res.status).toBe(202);
  };
  const health = async (tenant: Tenant, qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(as(tenant))).body.health;
  /** The tenant's incidents in the order their change events were written. */
  const openedInOrder = async (tenant: Tenant) => ((await t.http().get('/v1/changes?limit=1000').set(as(tenant))).body.items as
    { type: string; data: { after: { externalId: string } } }[]).filter((e) => e.type === 'incident.opened').map((e) => e.data.after.externalId);
  const setUp = async (tenant: Omit<Tenant, 'connector'>): Promise<Tenant> => {
    await t.http().put('/v1/assets').set(as(tenant)).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }, { qualifiedName: REPORT, typeName: 'Dashboard' }] }).expect(200);
    await t.http().put('/v1/lineage').set(as(tenant)).send({ edges: [{ from: ORDERS, to: REPORT }] }).expect(200);
    const connector = (await t.http().post('/v1/connectors').set(as(tenant)).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } })).body;
    return { ...tenant, connector };
  };

  beforeAll(async () => {
    // short backoffs, so that the test does not wait for a production-sized one after the database is back
    t = await startTestApp({ parts: platformApp, config: { tenantRetryMaxMs: 1000, jobBackoffMs: 200, jobAttempts: 2 } });
    brokenDb = await createTestDatabase();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(brokenDb.url).port) });
    const viaProxy = new URL(brokenDb.url);
    viaProxy.port = String(proxy.port);
    const created = await t.http().post('/v1/tenants').set({ Authorization: `Bearer ${t.adminKey}` })
      .send({ id: 'broken', name: 'Broken', placement: 'dedicated', databaseUrl: viaProxy.toString() });
    expect(created.status).toBe(201);
    broken = await setUp({ id: 'broken', key: created.body.adminKey });
    healthy = await setUp({ id: 'default', key: t.adminKey });
  });
  afterAll(async () => {
    await t.close();
    await proxy.down();
    await brokenDb.drop();
  });

  it('ingests, relays and propagates for the healthy tenant while the broken one is down, then catches up the broken one in order', async () => {
    await proxy.down();
    for (const n of [1, 2, 3]) {
      await deliver(broken, `broken-${n}`);
      await deliver(healthy, `healthy-${n}`);
    }
    // the healthy tenant: applied, relayed to the change log, propagated downstream by the built-in incident rule
    await waitFor('the healthy tenant\'s incidents downstream', async () =>
      ((await health(healthy, REPORT))?.upstreamOpenIncidents === 3 ? true : undefined));
    expect(await openedInOrder(healthy)).toEqual(['healthy-1', 'healthy-2', 'healthy-3']);
    expect(await t.runtime.eventLog.lag('ingestor', 'inbound')).toBe(0);
    // what waits for the broken tenant is visible, by tenant
    const scrape = (await t.http().get('/metrics').set({ Authorization: `Bearer ${t.adminKey}` }).expect(200)).text;
    expect(scrape).toMatch(new RegExp(`^tributary_held_records\\{[^}]*tenant="${broken.id}"[^}]*\\} [1-9]\\d*$`, 'm'));

    await proxy.up();
    await waitFor('the broken tenant\'s incidents downstream', async () =>
      ((await health(broken, REPORT))?.upstreamOpenIncidents === 3 ? true : undefined), 30_000);
    expect(await openedInOrder(broken)).toEqual(['broken-1', 'broken-2', 'broken-3']);
    expect((await t.http().get('/v1/dead-letters').set(as(broken))).body.items).toEqual([]);
  });

  it('runs the healthy tenant\'s propagation jobs while the broken tenant\'s fail, and the broken tenant\'s once it is back, without parking them', async () => {
    const db = new Client({ connectionString: brokenDb.url });
    await db.connect();
    const brokenSource = Number((await db.query('SELECT id FROM tributary_data.assets WHERE qualified_name = $1', [ORDERS])).rows[0].id);
    await db.end();
    await proxy.down();
    // recomputations of the broken tenant's incident propagation, more than the workers run at once
    const jobs: FanoutJob[] = Array.from({ length: 10 }, () => ({ tenantId: asTenantId('broken'), ruleId: 'incident-propagation', sourceId: brokenSource,
      key: 'incidents', generation: 0, chain: [], cause: null }));
    await t.runtime.jobQueue.enqueue(FANOUT_QUEUE, jobs.map((data, i) => ({ data, dedupKey: `isolation-${i}` })));
    await deliver(healthy, 'healthy-4');
    await waitFor('the healthy tenant\'s new incident downstream', async () =>
      ((await health(healthy, REPORT))?.upstreamOpenIncidents === 4 ? true : undefined));

    await proxy.up();
    await waitFor('the broken tenant\'s jobs to run', async () => ((await t.runtime.jobQueue.depth(FANOUT_QUEUE)) === 0 ? true : undefined), 30_000);
    expect((await t.http().get('/v1/dead-letters').set(as(broken))).body.items).toEqual([]);
    expect((await health(broken, REPORT)).upstreamOpenIncidents).toBe(3);
  });
});
