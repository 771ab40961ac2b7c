import { DeadLettersService } from '@tributary/catalog';
import { ConnectorsService } from '@tributary/connectors';
import { BACKFILL_QUEUE, BackfillJob, BackfillsService } from '@tributary/ingest';
import type { Job } from '@tributary/queue';
import { asTenantId } from '@tributary/store';
import { incidentNode, warehouseTable } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

describe('Backfill runs of one backfill', () => {
  let t: TestApp;
  let mc: MonteCarloGraphqlServer;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    mc = await MonteCarloGraphqlServer.start();
    // the api alone: no backfill worker runs here, the test delivers the jobs itself
    t = await startTestApp({ config: { ...LOCAL_OUTBOUND_CONFIG } });
  });
  afterAll(async () => {
    await t.close();
    await mc.stop();
  });

  it('never overlap: a second delivery while the first waits out a long 429 skips, and the first finishes alone', async () => {
    for (let i = 0; i < 5; i++) {
      mc.incidents.push(incidentNode({ createdTime: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
        events: { edges: [{ node: { table: warehouseTable('analytics:public.orders') } }] } }));
    }
    const connector = await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc-api',
      config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }],
        graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url } } });
    const created = await t.http().post('/v1/backfills').set(auth())
      .send({ connectorId: connector.body.id, since: '2026-11-01T00:00:00Z', until: '2026-11-02T00:00:00Z' });
    expect(created.status).toBe(202);
    mc.failRequest(1, { status: 429, retryAfterSeconds: 3600 });

    // the rate-limit wait is the test's to end: it stands for the longest wait a source can ask for
    const waits: number[] = [];
    let endWait: () => void = () => {};
    const backfills = new BackfillsService(t.runtime.database, t.app.get(ConnectorsService), t.runtime.eventLog, t.runtime.jobQueue,
      t.app.get(DeadLettersService), undefined, (ms) => new Promise<void>((resolve) => { waits.push(ms); endWait = resolve; }));
    const delivery = (id: string): Job<BackfillJob> => ({ id, queue: BACKFILL_QUEUE, attempt: 1,
      data: { tenantId: asTenantId('default'), backfillId: created.body.id } });

    const first = backfills.run(delivery('first'));
    await waitFor('the first run to wait out the 429', async () => (waits.length === 1 ? true : undefined));
    const second = await backfills.run(delivery('second'));
    expect(second).toEqual({ status: 'skipped', reason: expect.stringMatching(/another run/) });
    expect(mc.requests.filter((r) => r.status === 200)).toEqual([]);

    endWait();
    expect(await first).toEqual({ status: 'success' });
    const progress = (await t.http().get(`/v1/backfills/${created.body.id}`).set(auth())).body;
    expect(progress).toMatchObject({ status: 'succeeded', attempts: 1, rateLimited: 1, observations: 5 });
    // after it finished, a late delivery finds nothing to do
    expect(await backfills.run(delivery('late'))).toEqual({ status: 'skipped', reason: 'backfill already succeeded' });
  });
});
