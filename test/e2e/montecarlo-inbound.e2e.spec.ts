import { Client } from 'pg';
import { ServerRepository } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const CUSTOMERS = 'snowflake/acme/ANALYTICS/PUBLIC/CUSTOMERS';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

interface Connector { id: string; webhookUrl: string; signingSecret: string }

describe('Monte Carlo inbound', () => {
  let t: TestApp;
  let mc: Connector;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const createConnector = (config: Record<string, unknown>, name = 'mc') =>
    t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name, config });
  const post = (c: Connector, body: string, signature: string | null = signMonteCarlo(body, c.signingSecret), extra: Record<string, string> = {}) => {
    const req = t.http().post(`/v1/hooks/montecarlo/${c.id}`).set('Content-Type', 'application/json').set(extra);
    return (signature === null ? req : req.set('x-mcd-signature', signature)).send(body);
  };
  const deliver = async (c: Connector, payload: Record<string, unknown>) => {
    const res = await post(c, JSON.stringify(payload));
    expect(res.status).toBe(202);
    return res.body.eventIds as string[];
  };
  const asset = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth())).body;
  const incidentsOf = async (externalId: string) =>
    (await t.http().get('/v1/incidents?limit=500').set(auth())).body.items.filter((i: { externalId: string }) => i.externalId === externalId);
  /** Waits until the ingestor has consumed everything logged so far. */
  const drained = () => waitFor('the ingestor to drain the inbound log', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  const changes = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { type: string; subject: string; data: Record<string, unknown> }[];
  const deadLetters = async () => (await t.http().get('/v1/dead-letters').set(auth())).body.items as { id: string; reason: string }[];

  beforeAll(async () => {
    // no reconciliation: the connector with API credentials here names Monte Carlo's real endpoint
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0 } });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table' }, { qualifiedName: CUSTOMERS, typeName: 'Table' }] });
    const res = await createConnector({ mappings: MAPPINGS });
    expect(res.status).toBe(201);
    mc = res.body;
  });
  afterAll(async () => { await t.close(); });

  describe('POST /v1/connectors', () => {
    it('returns the webhook URL and the signing secret once, and never again', async () => {
      expect(mc.webhookUrl).toMatch(new RegExp(`/v1/hooks/montecarlo/${mc.id}$`));
      expect(mc.signingSecret).toMatch(/^[0-9a-f]{64}$/);
      const got = await t.http().get(`/v1/connectors/${mc.id}`).set(auth());
      expect(got.status).toBe(200);
      expect(JSON.stringify(got.body)).not.toContain(mc.signingSecret);
      expect(got.body).toMatchObject({ type: 'montecarlo', kind: 'source', enabled: true, config: { mappings: MAPPINGS }, secrets: ['signingSecret'] });
    });

    it('keeps GraphQL credentials sealed: listed by name, never by value', async () => {
      const res = await createConnector({ mappings: MAPPINGS, graphql: { apiId: 'id-1', apiToken: 'token-secret-value' } }, 'with-api');
      const got = await t.http().get(`/v1/connectors/${res.body.id}`).set(auth());
      expect(JSON.stringify(got.body)).not.toContain('token-secret-value');
      expect(got.body.secrets).toEqual(['signingSecret', 'graphql.apiToken']);
      const c = new Client({ connectionString: t.databaseUrl });
      await c.connect();
      const row = (await c.query('SELECT config::text, secrets_sealed FROM tributary.connectors WHERE id = $1', [res.body.id])).rows[0];
      await c.end();
      expect(row.config + row.secrets_sealed).not.toContain('token-secret-value');
      await t.http().delete(`/v1/connectors/${res.body.id}`).set(auth());
    });

    it('rejects a broken config with the failing path, an unknown type, and a broken transform with its position', async () => {
      const bad = await createConnector({ mappings: [{ template: 'x/{colour}' }] });
      expect([bad.status, bad.body.error.code]).toEqual([422, 'invalid_connector_config']);
      expect(bad.body.error.details.issues[0].path).toMatch(/^config\.mappings\.0/);
      const unknown = await t.http().post('/v1/connectors').set(auth()).send({ type: 'datadog', name: 'x', config: {} });
      expect([unknown.status, unknown.body.error.code]).toEqual([422, 'unknown_connector_type']);
      const transform = await createConnector({ mappings: MAPPINGS, transform: 'event.severity == ' });
      expect([transform.status, transform.body.error.code]).toEqual([422, 'invalid_expression']);
      expect(transform.body.error.details).toMatchObject({ field: 'config.transform', position: 18 });
    });
  });

  describe('the webhook rejects, and keeps nothing', () => {
    const nothingLogged = async (fn: () => Promise<{ status: number; body: { error: { code: string } } }>, status: number, code: string) => {
      const before = await t.runtime.eventLog.lag('nobody', 'inbound');
      const res = await fn();
      expect([res.status, res.body.error.code]).toEqual([status, code]);
      expect(await t.runtime.eventLog.lag('nobody', 'inbound')).toBe(before);
    };
    const body = JSON.stringify(incidentWebhook());

    it('a missing or wrong signature: 401', async () => {
      await nothingLogged(() => post(mc, body, null), 401, 'invalid_signature');
      await nothingLogged(() => post(mc, body, signMonteCarlo(body, 'not-the-secret')), 401, 'invalid_signature');
      await nothingLogged(() => post(mc, body, signMonteCarlo(`${body} `, mc.signingSecret)), 401, 'invalid_signature');
    });

    it('an unknown connector: 404', async () => {
      await nothingLogged(() => post({ ...mc, id: '00000000-0000-4000-8000-000000000000' }, body), 404, 'connector_not_found');
      await nothingLogged(() => t.http().post(`/v1/hooks/datadog/${mc.id}`).send(body), 404, 'connector_not_found');
    });

    it('invalid JSON: 400; valid JSON of the wrong shape: 422 with the path', async () => {
      await nothingLogged(() => post(mc, '{"type": "open_anomaly_incident",'), 400, 'invalid_json');
      const wrong = JSON.stringify({ type: 'open_anomaly_incident', payload: { incident_id: 42 } });
      const res = await post(mc, wrong);
      expect(res.body.error.details.issues[0].path).toBe('payload.incident_id');
      await nothingLogged(() => post(mc, wrong), 422, 'validation_failed');
    });

    it('a body over the limit: 413', async () => {
      const huge = JSON.stringify({ ...incidentWebhook(), padding: 'x'.repeat(1024 * 1024) });
      await nothingLogged(() => post(mc, huge), 413, 'payload_too_large');
    });

    it('a disabled connector: 403 (after the signature check)', async () => {
      const res = await createConnector({ mappings: MAPPINGS }, 'to-disable');
      const c: Connector = res.body;
      await t.http().patch(`/v1/connectors/${c.id}`).set(auth()).send({ enabled: false });
      await nothingLogged(() => post(c, body), 403, 'connector_disabled');
      await nothingLogged(() => post(c, body, 'ab'.repeat(64)), 401, 'invalid_signature');
    });
  });

  describe('incidents on assets', () => {
    it('an opened incident lands on the asset within the pipeline, with a health summary', async () => {
      const id = 'inc-open-1';
      const [eventId] = await deliver(mc, incidentWebhook({ incidentId: id }));
      expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
      const view = await waitFor('the incident on ORDERS', async () => {
        const a = await asset(ORDERS);
        return a.incidents.some((i: { externalId: string }) => i.externalId === id) ? a : undefined;
      });
      expect(view.health).toMatchObject({ status: 'warning', openIncidents: 1, sources: ['montecarlo'] });
      expect(view.incidents[0]).toMatchObject({ source: 'montecarlo', externalId: id, type: 'volume', status: 'open', severity: null,
        url: `https://getmontecarlo.com/incidents/${id}` });
      const health = await t.http().get(`/v1/assets/${enc(ORDERS)}/health`).set(auth());
      expect(health.body).toEqual(view.health);
    });

    it('follows the incident through severity, acknowledgement and resolution', async () => {
      const id = 'inc-life-1';
      await deliver(mc, incidentWebhook({ incidentId: id, tables: ['analytics:public.customers'] }));
      await deliver(mc, incidentWebhook({ incidentId: id, tables: ['analytics:public.customers'], severity: 'SEV-1', feedback: 'investigating' }));
      await drained();
      expect((await asset(CUSTOMERS)).health.status).toBe('critical');
      await deliver(mc, incidentWebhook({ incidentId: id, tables: ['analytics:public.customers'], severity: 'SEV-1', feedback: 'fixed', topLevelUpdates: true }));
      await drained();
      const after = await asset(CUSTOMERS);
      expect(after.health).toMatchObject({ status: 'healthy', openIncidents: 0 });
      expect(after.incidents[0]).toMatchObject({ externalId: id, status: 'resolved', severity: 'SEV-1' });
      const feed = (await changes()).filter((e) => e.type.startsWith('incident.') && (e.data as { incidentId: string }).incidentId === after.incidents[0].id);
      expect(feed.map((e) => e.type)).toEqual(['incident.opened', 'incident.updated', 'incident.resolved']);
      expect(feed[0].subject).toBe(CUSTOMERS);
      const health = (await changes()).filter((e) => e.type === 'asset.health.changed' && e.subject === CUSTOMERS).map((e) => (e.data.after as { status: string }).status);
      expect(health).toEqual(['warning', 'critical', 'healthy']);
    });

    it('a redelivered webhook changes nothing', async () => {
      const body = incidentWebhook({ incidentId: 'inc-dup-1', tables: ['analytics:public.dup_table'] });
      await deliver(mc, body);
      await drained();
      const eventsBefore = (await changes()).length;
      await deliver(mc, body);
      await deliver(mc, JSON.parse(JSON.stringify(body)));
      await drained();
      expect((await changes()).length).toBe(eventsBefore);
      expect(await incidentsOf('inc-dup-1')).toHaveLength(1);
    });

    it('an older state delivered late does not overwrite a newer one', async () => {
      const id = 'inc-order-1';
      await deliver(mc, incidentWebhook({ incidentId: id, feedback: 'fixed', updatedTime: '2026-11-20T10:05:00Z' }));
      await deliver(mc, incidentWebhook({ incidentId: id, feedback: 'investigating', updatedTime: '2026-11-20T10:00:00Z' }));
      await drained();
      expect((await incidentsOf(id))[0]).toMatchObject({ status: 'resolved', rawStatus: 'fixed' });
    });

    it('an incident touching several tables attaches to each', async () => {
      await deliver(mc, incidentWebhook({ incidentId: 'inc-multi-1', tables: ['analytics:public.orders', 'analytics:public.customers', null] }));
      await drained();
      const [incident] = await incidentsOf('inc-multi-1');
      expect(incident.assets.map((a: { qualifiedName: string }) => a.qualifiedName).sort()).toEqual([CUSTOMERS, ORDERS]);
      for (const qn of [ORDERS, CUSTOMERS]) {
        expect((await asset(qn)).incidents.map((i: { externalId: string }) => i.externalId)).toContain('inc-multi-1');
      }
    });

    it('an update that only adds a table announces incident.updated, once (the indexer refreshes the incident\'s links from it)', async () => {
      await deliver(mc, incidentWebhook({ incidentId: 'inc-grow-1', tables: ['analytics:public.orders'] }));
      await drained();
      const grown = incidentWebhook({ incidentId: 'inc-grow-1', tables: ['analytics:public.orders', 'analytics:public.customers'] });
      await deliver(mc, grown);
      await drained();
      const [incident] = await incidentsOf('inc-grow-1');
      expect(incident.assets.map((a: { qualifiedName: string }) => a.qualifiedName).sort()).toEqual([CUSTOMERS, ORDERS]);
      const updates = () => changes().then((all) => all.filter((e) => e.data.incidentId === incident.id).map((e) => ({ type: e.type, assets: e.data.assets })));
      expect(await updates()).toEqual([{ type: 'incident.opened', assets: [ORDERS] }, { type: 'incident.updated', assets: [ORDERS, CUSTOMERS] }]);
      // the same tables again, in a delivery of its own: nothing changed, nothing announced
      await deliver(mc, { ...grown, payload: { ...(grown.payload as Record<string, unknown>), updated_time: '2030-01-01T00:00:00Z' } });
      await drained();
      expect(await updates()).toHaveLength(2);
    });

    it('a table with no asset yet keeps an unresolved reference, attached when the asset appears', async () => {
      const LATE = 'snowflake/acme/ANALYTICS/PUBLIC/LATE_TABLE';
      await deliver(mc, incidentWebhook({ incidentId: 'inc-late-1', tables: ['analytics:public.late_table'], severity: 'SEV-2' }));
      await drained();
      expect((await incidentsOf('inc-late-1'))[0].assets).toEqual([{ qualifiedName: LATE, sourceRef: 'analytics:public.late_table', resolved: false }]);
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: LATE, typeName: 'Table' }] });
      const view = await asset(LATE);
      expect(view.health).toMatchObject({ status: 'critical', openIncidents: 1 });
      expect((await incidentsOf('inc-late-1'))[0].assets[0].resolved).toBe(true);
      const announced = (await changes()).filter((e) => e.type === 'asset.health.changed' && e.subject === LATE);
      expect(announced.map((e) => e.data.after)).toEqual([{ status: 'critical', openIncidents: 1 }]);
    });

    it("attaches a bare table name to its asset through the payload's group_id (database:schema)", async () => {
      const ZEUS_ORDERS = 'snowflake/acme/ZEUS/ARES/ORDERS';
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ZEUS_ORDERS, typeName: 'Table' }] });
      await deliver(mc, incidentWebhook({ incidentId: 'inc-group-1', groupId: 'zeus:ares', tables: ['orders'] }));
      await drained();
      expect((await incidentsOf('inc-group-1'))[0].assets).toEqual([{ qualifiedName: ZEUS_ORDERS, sourceRef: 'zeus:ares.orders', resolved: true }]);
      expect((await asset(ZEUS_ORDERS)).health).toMatchObject({ status: 'warning', openIncidents: 1 });
    });

    it('keeps an unknown incident kind with its raw type', async () => {
      await deliver(mc, incidentWebhook({ incidentId: 'inc-kind-1', type: 'open_quantum_flux_incident' }));
      await drained();
      expect((await incidentsOf('inc-kind-1'))[0]).toMatchObject({ type: 'other', rawType: 'open_quantum_flux_incident' });
    });

    it('accepts the signature over Monte Carlo\'s urlencoded form of the body', async () => {
      const body = JSON.stringify(incidentWebhook({ incidentId: 'inc-form-1' }));
      const { pythonUrlencodeForm } = jest.requireActual('../../libs/connectors/src/montecarlo/montecarlo-signature');
      const res = await post(mc, body, signMonteCarlo(pythonUrlencodeForm(body), mc.signingSecret));
      expect(res.status).toBe(202);
    });
  });

  describe('partial updates: a field a delivery leaves out keeps its value', () => {
    const PARTIAL = 'snowflake/acme/ANALYTICS/PUBLIC/PARTIAL_ORDERS';
    const incidentOn = async (qn: string, externalId: string) =>
      (await asset(qn)).incidents.find((i: { externalId: string }) => i.externalId === externalId);

    it('an owner-only update keeps severity, kind, title and tables; a null severity (unmarked) clears it', async () => {
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: PARTIAL, typeName: 'Table' }] });
      const id = 'inc-partial-1';
      await deliver(mc, incidentWebhook({ incidentId: id, tables: ['analytics:public.partial_orders'], severity: 'SEV-1' }));
      await drained();
      const created = await incidentOn(PARTIAL, id);
      expect(created).toMatchObject({ type: 'volume', severity: 'SEV-1', status: 'open', title: 'Has 42 rows vs. 101 expected',
        url: `https://getmontecarlo.com/incidents/${id}` });
      expect((await asset(PARTIAL)).health.status).toBe('critical');

      await deliver(mc, incidentUpdateWebhook({ incidentId: id, owner: 'dana@acme.io' }));
      await drained();
      const [owned] = await incidentsOf(id);
      expect(owned).toMatchObject({ type: 'volume', rawType: 'open_anomaly_incident', severity: 'SEV-1', status: 'open',
        title: 'Has 42 rows vs. 101 expected', url: `https://getmontecarlo.com/incidents/${id}`, owner: 'dana@acme.io' });
      expect(owned.assets).toEqual([{ qualifiedName: PARTIAL, sourceRef: 'analytics:public.partial_orders', resolved: true }]);
      expect((await asset(PARTIAL)).health.status).toBe('critical');
      const updated = (await changes()).filter((e) => e.type === 'incident.updated' && (e.data as { incidentId: string }).incidentId === owned.id);
      expect(updated.map((e) => [e.data.before, e.data.after])).toEqual([[
        expect.objectContaining({ severity: 'SEV-1', type: 'volume', owner: null }),
        expect.objectContaining({ severity: 'SEV-1', type: 'volume', owner: 'dana@acme.io' }),
      ]]);

      await deliver(mc, incidentUpdateWebhook({ incidentId: id, feedback: 'investigating' }));
      await drained();
      expect((await incidentsOf(id))[0]).toMatchObject({ severity: 'SEV-1', rawStatus: 'investigating', owner: 'dana@acme.io', type: 'volume' });

      await deliver(mc, incidentUpdateWebhook({ incidentId: id, severity: null }));
      await drained();
      expect((await incidentsOf(id))[0]).toMatchObject({ severity: null, rawStatus: 'investigating', owner: 'dana@acme.io', type: 'volume',
        title: 'Has 42 rows vs. 101 expected' });
      expect((await asset(PARTIAL)).health.status).toBe('warning');
    });

    it('an update naming only feedback resolves the incident and keeps the rest', async () => {
      const id = 'inc-partial-2';
      await deliver(mc, incidentWebhook({ incidentId: id, tables: ['analytics:public.partial_orders'], severity: 'SEV-2', owner: 'lee@acme.io' }));
      await deliver(mc, incidentUpdateWebhook({ incidentId: id, feedback: 'fixed' }));
      await drained();
      expect((await incidentsOf(id))[0]).toMatchObject({ status: 'resolved', rawStatus: 'fixed', severity: 'SEV-2', owner: 'lee@acme.io',
        type: 'volume', title: 'Has 42 rows vs. 101 expected' });
    });
  });

  describe('deliveries that are not incidents: 202, kept as ignored, never applied', () => {
    type Ignored = { id: string; connectorId: string; receivedAt: string; reason: string; action: string | null; type: string | null;
      version: string | null; body: unknown };
    const ignored = async (query = '') => (await t.http().get(`/v1/ignored-deliveries${query}`).set(auth())).body as { items: Ignored[]; nextCursor: string | null };
    const monitor = { account: { id: '9a59c6f1-203a-4c72-8cd7-132db7f21b92' }, action: 'monitor', type: 'monitor_paused', version: 'v0.1',
      payload: { monitor_id: 'b2f9a3c4-0d1e-4f5a-9b8c-7d6e5f4a3b2c', name: 'orders freshness' } };

    it('a monitor notification, a newer version and a body without an incident id are acknowledged, listed with the reason, and change nothing', async () => {
      await drained();
      const eventsBefore = (await changes()).length;
      const incidentsBefore = (await t.http().get('/v1/incidents?limit=500').set(auth())).body.items.length;
      const [monitorId] = await deliver(mc, monitor);
      const [versionId] = await deliver(mc, { ...incidentWebhook({ incidentId: 'inc-v2-1' }), version: 'v2' });
      const [noIdOne] = await deliver(mc, { action: 'incident', type: 'open_anomaly_incident', payload: { url: null } });
      const [noIdTwo] = await deliver(mc, { hello: 'world' });
      await drained();

      const { items } = await ignored();
      const byId = new Map(items.map((i) => [i.id, i]));
      expect(byId.get(monitorId)).toEqual({ id: monitorId, connectorId: mc.id, receivedAt: expect.any(String), reason: 'not_an_incident',
        action: 'monitor', type: 'monitor_paused', version: 'v0.1', body: monitor });
      expect(byId.get(versionId)).toMatchObject({ reason: 'unsupported_version', action: 'incident', type: 'open_anomaly_incident', version: 'v2' });
      expect(byId.get(noIdOne)).toMatchObject({ reason: 'no_incident_id', action: 'incident' });
      expect(byId.get(noIdTwo)).toMatchObject({ reason: 'no_incident_id', action: null, type: null, version: null, body: { hello: 'world' } });

      expect((await changes()).length).toBe(eventsBefore);
      expect((await t.http().get('/v1/incidents?limit=500').set(auth())).body.items.length).toBe(incidentsBefore);
      const text = (await t.http().get('/metrics').set(auth()).expect(200)).text;
      expect(text).toMatch(/tributary_ignored_deliveries_total\{tenant="default",source="montecarlo",kind="not_an_incident"[^}]*\} 1\n/);
      expect(text).toMatch(/tributary_ignored_deliveries_total\{[^}]*kind="unsupported_version"[^}]*\} 1\n/);
      expect(text).toMatch(/tributary_ignored_deliveries_total\{[^}]*kind="no_incident_id"[^}]*\} 2\n/);
    });

    it('is still signature-checked first (401), and bad JSON is still 400; a JSON value that is not an object or an incident with a wrong-typed field is 422', async () => {
      const body = JSON.stringify(monitor);
      expect((await post(mc, body, null)).status).toBe(401);
      expect((await post(mc, body, signMonteCarlo(body, 'not-the-secret'))).status).toBe(401);
      expect((await post(mc, '{"action": "monitor",')).body.error.code).toBe('invalid_json');
      const list = await post(mc, '[]');
      expect([list.status, list.body.error.details.issues]).toEqual([422, [{ path: '(body)', message: 'expected a JSON object' }]]);
      const action = await post(mc, JSON.stringify({ ...monitor, action: 7 }));
      expect([action.status, action.body.error.details.issues[0].path]).toEqual([422, 'action']);
      const events = await post(mc, JSON.stringify({ ...incidentWebhook(), payload: { incident_id: 'inc-bad-1', event_list: 'orders' } }));
      expect([events.status, events.body.error.details.issues[0].path]).toEqual([422, 'payload.event_list']);
    });

    it('lists newest first, one connector\'s, paged, for support staff only', async () => {
      const other: Connector = (await createConnector({ mappings: MAPPINGS }, 'ignored-other')).body;
      const [otherId] = await deliver(other, monitor);
      for (let i = 0; i < 3; i++) await deliver(mc, { ...monitor, payload: { n: i } });
      await drained();
      const mine = await ignored(`?connectorId=${mc.id}&limit=500`);
      expect(mine.items.every((i) => i.connectorId === mc.id)).toBe(true);
      expect(mine.items.slice(0, 3).map((i) => (i.body as { payload: { n: number } }).payload.n)).toEqual([2, 1, 0]);
      expect((await ignored(`?connectorId=${other.id}`)).items.map((i) => i.id)).toEqual([otherId]);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Ignored[]; nextCursor: string | null } = await ignored(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual((await ignored('?limit=500')).items.map((i) => i.id));

      expect((await t.http().get('/v1/ignored-deliveries?connectorId=nope').set(auth())).status).toBe(400);
      expect((await t.http().get('/v1/ignored-deliveries?cursor=nope').set(auth())).body.error.code).toBe('invalid_cursor');
      const viewer = (await t.http().post('/v1/api-keys').set(auth()).send({ name: 'iv', roles: ['viewer'] })).body.key;
      expect((await t.http().get('/v1/ignored-deliveries').set({ Authorization: `Bearer ${viewer}` })).status).toBe(403);
    });
  });

  describe('GET /v1/incidents', () => {
    it('filters by status, asset and source, and reads one incident with its assets', async () => {
      await drained();
      const open = (await t.http().get(`/v1/incidents?status=open&asset=${enc(ORDERS)}`).set(auth())).body.items;
      expect(open.length).toBeGreaterThan(0);
      expect(open.every((i: { status: string; assets: { qualifiedName: string }[] }) =>
        i.status === 'open' && i.assets.some((a) => a.qualifiedName === ORDERS))).toBe(true);
      expect((await t.http().get('/v1/incidents?source=nobody').set(auth())).body.items).toEqual([]);
      const one = await t.http().get(`/v1/incidents/${open[0].id}`).set(auth());
      expect(one.body).toEqual(open[0]);
      expect((await t.http().get('/v1/incidents/00000000-0000-4000-8000-000000000000').set(auth())).status).toBe(404);
      expect((await t.http().get('/v1/incidents?status=maybe').set(auth())).status).toBe(400);
    });

    it('pages with a cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; nextCursor: string | null } =
          (await t.http().get(`/v1/incidents?limit=2${cursor ? `&cursor=${cursor}` : ''}`).set(auth())).body;
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe((await t.http().get('/v1/incidents?limit=500').set(auth())).body.items.length);
    });
  });

  describe('transforms and dead letters', () => {
    it('a filter drops observations and a transform reshapes them before they are applied', async () => {
      const res = await createConnector({ mappings: MAPPINGS, filter: '!event.externalId.startsWith("drop-")',
        transform: 'event.severity == null ? {"severity": "SEV-3"} : {}' }, 'transforming');
      expect(res.status).toBe(201);
      const c: Connector = res.body;
      await deliver(c, incidentWebhook({ incidentId: 'tr-1' }));
      await deliver(c, incidentWebhook({ incidentId: 'drop-1' }));
      await drained();
      expect((await incidentsOf('tr-1'))[0].severity).toBe('SEV-3');
      expect(await incidentsOf('drop-1')).toEqual([]);
    });

    it('a delivery the transform cannot handle is parked with the reason, and replays once the transform is fixed', async () => {
      const res = await createConnector({ mappings: MAPPINGS, transform: '{"owner": event.url + 1}' }, 'broken-at-runtime');
      const c: Connector = res.body;
      await deliver(c, incidentWebhook({ incidentId: 'dl-1' }));
      await drained();
      const letter = (await deadLetters()).find((d) => d.reason.startsWith('filter or transform failed'));
      expect(letter).toBeDefined();
      expect(await incidentsOf('dl-1')).toEqual([]);

      await t.http().patch(`/v1/connectors/${c.id}`).set(auth()).send({ config: { mappings: MAPPINGS, transform: '{"owner": "fixed@acme.io"}' } });
      const replay = await t.http().post(`/v1/dead-letters/${letter!.id}/replay`).set(auth());
      expect(replay.status).toBe(202);
      await drained();
      expect((await incidentsOf('dl-1'))[0].owner).toBe('fixed@acme.io');
      const again = await t.http().post(`/v1/dead-letters/${letter!.id}/replay`).set(auth());
      expect([again.status, again.body.error.code]).toEqual([409, 'already_replayed']);
    });

    it('dead letters are for support staff: a viewer gets 403', async () => {
      const viewer = (await t.http().post('/v1/api-keys').set(auth()).send({ name: 'v', roles: ['viewer'] })).body.key;
      const res = await t.http().get('/v1/dead-letters').set({ Authorization: `Bearer ${viewer}` });
      expect(res.status).toBe(403);
    });
  });

  describe('near real time, measured', () => {
    it('exports the webhook-to-asset latency histogram', async () => {
      const text = (await t.http().get('/metrics').set(auth()).expect(200)).text;
      expect(text).toMatch(/tributary_ingest_latency_seconds_count\{app="platform",source="montecarlo",from="received"\} [1-9]/);
      expect(text).toMatch(/tributary_ingest_latency_seconds_count\{app="platform",source="montecarlo",from="source"\} [1-9]/);
      expect(text).toMatch(/tributary_consumer_lag_records\{[^}]*group="ingestor",stream="inbound"[^}]*\} \d+/);
      expect(text).toMatch(/tributary_queue_depth_jobs\{[^}]*queue="backfill"[^}]*\} \d+/);
    });

    it('exports the inbound events the ingestor handled and the process\'s CPU seconds: the cost model\'s CPU per event', async () => {
      await drained();
      const text = (await t.http().get('/metrics').set(auth()).expect(200)).text;
      const consumed = text.match(/^tributary_events_consumed_total\{group="ingestor",stream="inbound",app="platform"\} (\d+)$/m);
      // every record of the inbound stream, each counted once, however many batches and retries it took
      expect(Number(consumed?.[1])).toBe(await new ServerRepository(t.runtime.database).eventLogRecords('inbound'));
      expect(Number(consumed?.[1])).toBeGreaterThan(0);
      expect(text).toMatch(/^process_cpu_seconds_total\{app="platform"\} [0-9.]+$/m);
    });

    it('counts and times HTTP requests by route pattern, not by URL', async () => {
      await t.http().get('/v1/no-such-route').set(auth());
      const text = (await t.http().get('/metrics').set(auth()).expect(200)).text;
      expect(text).toMatch(/tributary_http_requests_total\{[^}]*method="POST",route="\/v1\/hooks\/:connectorType\/:connectorId",status="202"[^}]*\} [1-9]/);
      expect(text).toMatch(/tributary_http_requests_total\{[^}]*method="POST",route="\/v1\/hooks\/:connectorType\/:connectorId",status="401"[^}]*\} [1-9]/);
      expect(text).toMatch(/tributary_http_requests_total\{[^}]*method="GET",route="unmatched",status="404"[^}]*\} [1-9]/);
      expect(text).toMatch(/tributary_http_request_duration_seconds_count\{[^}]*method="POST",route="\/v1\/hooks\/:connectorType\/:connectorId"[^}]*\} [1-9]/);
      expect(text).not.toMatch(/route="\/v1\/hooks\/montecarlo\//);
    });
  });
});
