import { randomUUID } from 'node:crypto';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
/** A short retry window, so that the test can wait it out. */
const WINDOW_MS = 2000;

interface Connector { id: string; signingSecret: string }
type Change = { type: string; data: { incidentId?: string } };

describe('Monte Carlo ordering without timestamps', () => {
  let t: TestApp;
  let hooksOnly: Connector;
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

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { dedupWindowHours: WINDOW_MS / 3_600_000, reconcileMinutes: 0 } });
    hooksOnly = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'hooks-only', config: { mappings: MAPPINGS } })).body;
  });
  afterAll(async () => { await t.close(); });

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
});
