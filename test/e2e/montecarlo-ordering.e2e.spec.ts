import { randomUUID } from 'node:crypto';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentNode } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
/** A short retry window, so that the test can wait it out. */
const WINDOW_MS = 2000;

interface Connector { id: string; signingSecret: string }
type Change = { type: string; data: { incidentId?: string } };

describe('Monte Carlo ordering without timestamps', () => {
  let t: TestApp;
  let mc: MonteCarloGraphqlServer;
  let hooksOnly: Connector;
  let withApi: Connector;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const deliver = async (c: Connector, body: string) => {
    const res = await t.http().post(`/v1/hooks/montecarlo/${c.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, c.signingSecret)).send(body);
    expect(res.status).toBe(202);
  };
  const drained = () => waitFor('the ingestor to drain', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  const incident = async (externalId: string) =>
    (await t.http().get('/v1/incidents?limit=500').set(auth())).body.items.find((i: { externalId: string }) => i.externalId === externalId);
  const feedOf = async (incidentId: string) => ((await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as Change[])
    .filter((e) => e.type.startsWith('incident.') && e.data.incidentId === incidentId).map((e) => e.type);

  const metric = async (pattern: RegExp) => Number(pattern.exec((await t.http().get('/metrics').set(auth()).expect(200)).text)?.[1] ?? 0);
  const confirmations = (result: string) => metric(new RegExp(`tributary_reopen_confirmations_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`));
  /** Opens an incident and resolves it, through webhooks; Monte Carlo's own record of it is `node` (none: unknown to it). */
  const openedAndResolved = async (c: Connector, node?: Record<string, unknown>) => {
    const id = randomUUID();
    if (node) mc.incidents.push({ ...node, uuid: id });
    await deliver(c, JSON.stringify(incidentWebhook({ incidentId: id })));
    await deliver(c, JSON.stringify(incidentWebhook({ incidentId: id, feedback: 'fixed' })));
    await drained();
    expect(await incident(id)).toMatchObject({ status: 'resolved' });
    return id;
  };
  const reopen = (id: string) => JSON.stringify(incidentWebhook({ incidentId: id, feedback: 'investigating' }));
  const byIdReads = () => mc.requests.filter((r) => r.rootField === 'getIncidents' && Array.isArray(r.args.incidentIds));

  beforeAll(async () => {
    mc = await MonteCarloGraphqlServer.start();
    t = await startTestApp({ parts: platformApp, config: { dedupWindowHours: WINDOW_MS / 3_600_000, reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
    hooksOnly = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'hooks-only', config: { mappings: MAPPINGS } })).body;
    withApi = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'with-api',
      config: { mappings: MAPPINGS, graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url, models: ['incidents'] } } })).body;
  });
  afterAll(async () => {
    await t.close();
    await mc.stop();
  });

  describe('the retry window (TRIBUTARY_DEDUP_WINDOW_HOURS)', () => {
    it('the same bytes inside the window are a redelivery; after it, a new observation: investigating → fixed → investigating reopens', async () => {
      const id = randomUUID();
      const investigating = JSON.stringify(incidentWebhook({ incidentId: id, feedback: 'investigating' }));
      const fixed = JSON.stringify(incidentWebhook({ incidentId: id, feedback: 'fixed' }));
      await deliver(hooksOnly, investigating);
      const firstAt = Date.now();
      await deliver(hooksOnly, investigating);
      await drained();
      const { id: incidentId } = await incident(id);
      expect(await feedOf(incidentId)).toEqual(['incident.opened']);

      await deliver(hooksOnly, fixed);
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'resolved', rawStatus: 'fixed' });

      await new Promise((r) => setTimeout(r, Math.max(0, firstAt + WINDOW_MS + 200 - Date.now())));
      await deliver(hooksOnly, investigating);
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'open', rawStatus: 'investigating' });
      expect(await feedOf(incidentId)).toEqual(['incident.opened', 'incident.resolved', 'incident.opened']);
    });
  });

  describe('a webhook that would reopen a resolved incident, with API credentials', () => {
    it('is confirmed with Monte Carlo first: not applied while Monte Carlo says resolved, applied once it says open', async () => {
      const node = incidentNode({ feedback: 'FIXED', createdTime: '2024-01-01T00:00:00Z' });
      const id = await openedAndResolved(withApi, node);
      const [refusedBefore, confirmedBefore] = [await confirmations('refused'), await confirmations('confirmed')];

      await deliver(withApi, reopen(id));
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'resolved', rawStatus: 'fixed' });
      expect(byIdReads().map((r) => r.args.incidentIds)).toEqual([[id]]);
      expect(await confirmations('refused')).toBe(refusedBefore + 1);
      expect(await metric(/tributary_ingested_observations_total\{[^}]*outcome="unconfirmed"[^}]*\} (\d+)/)).toBeGreaterThanOrEqual(1);

      // Monte Carlo reopens it, and sends the same delivery again: checked again, now applied
      mc.incidents.find((n) => n.uuid === id)!.feedback = 'INVESTIGATING';
      await deliver(withApi, reopen(id));
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'open', rawStatus: 'investigating' });
      expect(await confirmations('confirmed')).toBe(confirmedBefore + 1);
    });

    it('is applied in arrival order when Monte Carlo does not know the incident', async () => {
      const id = await openedAndResolved(withApi);
      const unknownBefore = await confirmations('unknown');
      await deliver(withApi, reopen(id));
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'open' });
      expect(await confirmations('unknown')).toBe(unknownBefore + 1);
    });

    it('is applied in arrival order when Monte Carlo does not answer (rate limited), never holding up the stream', async () => {
      const id = await openedAndResolved(withApi, incidentNode({ feedback: 'FIXED', createdTime: '2024-01-01T00:00:00Z' }));
      const unavailableBefore = await confirmations('unavailable');
      mc.failNext(1, { status: 429, retryAfterSeconds: 30 });
      await deliver(withApi, reopen(id));
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'open' });
      expect(await confirmations('unavailable')).toBe(unavailableBefore + 1);
    });
  });

  describe('without API credentials', () => {
    it('arrival order stands: a reopen applies unchecked', async () => {
      const reads = byIdReads().length;
      const id = await openedAndResolved(hooksOnly);
      await deliver(hooksOnly, reopen(id));
      await drained();
      expect(await incident(id)).toMatchObject({ status: 'open' });
      expect(byIdReads().length).toBe(reads);
    });
  });
});
