import { randomUUID } from 'node:crypto';
import { incidentFactCodec, IncidentFactRecord } from '@tributary/contracts';
import type { LogRecord, Subscription } from '@tributary/eventlog';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const MART = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS_MART';
const DASHBOARD = 'looker/acme/orders';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

interface Fact { record: LogRecord; fact: IncidentFactRecord }

/**
 * The incident-facts stream (what Druid ingests): a webhook's incident changes come out of the
 * all-in-one platform's relay as Avro IncidentFacts, one per incident change event, carrying the
 * incident's whole state after the change.
 */
describe('incident facts', () => {
  let t: TestApp;
  let connector: { id: string; signingSecret: string };
  let reader: Subscription;
  const facts: Fact[] = [];
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const deliver = async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
  };
  const incidentChanges = async (incidentId: string) =>
    ((await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { id: string; type: string; data: { incidentId?: string } }[])
      .filter((e) => e.type.startsWith('incident.') && e.data.incidentId === incidentId);
  const factsOf = (incidentId: string) => facts.filter((f) => f.fact.incidentId === incidentId);
  /** The catalog's incident of a Monte Carlo incident id, once the ingestor has applied it. */
  const incidentOf = (externalId: string) => waitFor(`incident ${externalId}`, async () => {
    const items = (await t.http().get('/v1/incidents?limit=100').set(auth())).body.items as { id: string; externalId: string }[];
    return items.find((i) => i.externalId === externalId);
  });

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0 } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [ORDERS, MART, DASHBOARD].map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: ORDERS, to: MART }, { from: MART, to: DASHBOARD }] }).expect(200);
    connector = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
    reader = await t.runtime.eventLog.subscribe('incident-facts-spec', 'incident-facts', async (batch) => {
      facts.push(...batch.map((record) => ({ record, fact: incidentFactCodec.decode(record.value) })));
    }, { batchSize: 100, onError: () => undefined });
  });
  afterAll(async () => {
    await reader.stop();
    await t.close();
  });

  it('carries each incident change as the incident\'s whole state, under its change event\'s id, in order', async () => {
    const externalId = randomUUID();
    await deliver(incidentWebhook({ incidentId: externalId, severity: 'SEV-2' }));
    const opened = await incidentOf(externalId);
    // each update once the one before is applied: two states of one incident in one ingestor batch
    // apply as one change (the newer), and this test is about one fact per change
    await deliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'investigating' }));
    await waitFor('two facts', async () => (factsOf(opened.id).length >= 2 ? true : undefined));
    await deliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
    await waitFor('three facts', async () => (factsOf(opened.id).length >= 3 ? true : undefined));

    const changes = await incidentChanges(opened.id);
    const mine = factsOf(opened.id);
    expect(changes.map((c) => c.type)).toEqual(['incident.opened', 'incident.updated', 'incident.resolved']);
    expect(mine.map((f) => f.fact.id)).toEqual(changes.map((c) => c.id));
    expect(mine.map((f) => f.fact.sequence)).toEqual([...mine.map((f) => f.fact.sequence)].sort((a, b) => a - b));
    expect(mine.map((f) => f.fact.status)).toEqual(['open', 'open', 'resolved']);
    const [first, acknowledged, resolved] = mine.map((f) => f.fact);
    expect(first).toMatchObject({
      tenant: 'default', incidentId: opened.id, source: 'montecarlo', type: 'volume', severity: 'SEV-2',
      assets: [ORDERS], downstreamAssets: 2, connector: connector.id, acknowledgedAt: null, resolvedAt: null,
    });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    expect(resolved.openedAt).toEqual(first.openedAt);
    // keyed by tenant and incident, so that one incident's facts stay in order on one partition
    expect(new Set(mine.map((f) => f.record.key))).toEqual(new Set([`default/${opened.id}`]));
    expect(mine.map((f) => f.record.headers.ce_type)).toEqual(['incident.fact', 'incident.fact', 'incident.fact']);
  });

  it('writes no fact for a redelivered webhook, which changes nothing', async () => {
    const externalId = randomUUID();
    const body = incidentWebhook({ incidentId: externalId });
    await deliver(body);
    const incident = await incidentOf(externalId);
    await waitFor('its fact', async () => (factsOf(incident.id).length >= 1 ? true : undefined));
    await deliver(body);
    // a later incident's fact is relayed after anything the redelivery could have produced
    const later = await (async () => {
      const marker = randomUUID();
      await deliver(incidentWebhook({ incidentId: marker }));
      return incidentOf(marker);
    })();
    await waitFor('the later incident\'s fact', async () => (factsOf(later.id).length >= 1 ? true : undefined));
    expect(factsOf(incident.id)).toHaveLength(1);
  });
});
