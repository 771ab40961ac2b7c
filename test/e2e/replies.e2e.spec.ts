import { randomUUID } from 'node:crypto';
import { incidentFactCodec, IncidentFactRecord } from '@tributary/contracts';
import type { Subscription } from '@tributary/eventlog';
import { freshdeskTarget, jiraTarget, slackTarget } from '@tributary/connectors';
import { platformApp } from '../../apps/platform/src/platform.app';
import { fakeOutbound, incidentNotice } from '../../libs/connectors/src/target-connector.contract';
import { FreshdeskFake, startFreshdeskFake } from '../support/fakes/freshdesk-fake';
import { JiraFake, startJiraFake } from '../support/fakes/jira-fake';
import { SlackFake, startSlackFake } from '../support/fakes/slack-fake';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { TenantClient } from '../support/tenant-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
/** The Slack app's signing secret, which the admin supplies as the connector's when creating it. */
const SLACK_SIGNING_SECRET = 'slack-app-signing-secret-8f74223';

interface Connector { id: string; signingSecret: string }
interface Incident { id: string; source: string; status: string; rawStatus: string | null; owner: string | null; title: string | null; severity: string | null }
interface Change { type: string; origin: string; data: { incidentId?: string } }

/**
 * People act in the tool a notice went to, and the Tributary incident follows: Jira admin webhooks,
 * Freshdesk automation webhooks and Slack button clicks come in through the HTTP API (from local
 * fakes of the three vendors), and change the Monte Carlo incident they name as ordinary incident
 * changes, with the target connector as their origin.
 */
describe('replies from Jira, Freshdesk and Slack', () => {
  let t: TestApp;
  let base: string;
  let acme: TenantClient;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const createConnector = async (type: string, config: Record<string, unknown>, key = t.adminKey): Promise<Connector> =>
    (await t.http().post('/v1/connectors').set({ Authorization: `Bearer ${key}` }).send({ type, name: `${type} replies`, config }).expect(201)).body;
  const hookUrl = (type: string, c: Connector) => `${base}/v1/hooks/${type}/${c.id}`;
  /** A new Monte Carlo incident on ORDERS, applied. */
  const mcIncident = async (client = acme) => (await client.incident({ incidentId: randomUUID(), severity: 'SEV-2' })).id;
  const incident = async (id: string, client = acme): Promise<Incident> => (await client.get(`/v1/incidents/${id}`).expect(200)).body;
  const changesOf = async (incidentId: string, client = acme) => ((await client.get('/v1/changes?limit=1000')).body.items as Change[])
    .filter((c) => c.type.startsWith('incident.') && c.data.incidentId === incidentId).map((c) => [c.type, c.origin]);
  const incidentWhen = (id: string, what: string, ready: (i: Incident) => boolean) =>
    waitFor(`incident ${id} ${what}`, async () => { const i = await incident(id); return ready(i) ? i : undefined; });
  /** Everything logged so far has been consumed by the ingestor. */
  const drained = () => waitFor('the ingestor to drain the inbound log', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  const loggedCount = () => t.runtime.eventLog.lag('nobody', 'inbound');
  const ignoredOf = async (c: Connector) => ((await t.http().get(`/v1/ignored-deliveries?connectorId=${c.id}`).set(auth())).body.items as { id: string; reason: string }[]);
  /** A refusal: its status and code, and nothing logged. */
  const refused = async (send: () => Promise<{ status: number; body: string }>, status: number, code: string) => {
    const before = await loggedCount();
    const answer = await send();
    expect([answer.status, JSON.parse(answer.body).error.code]).toEqual([status, code]);
    expect(await loggedCount()).toBe(before);
  };

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
    // the vendors' fakes call the API over HTTP, as the vendors would
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    acme = new TenantClient(t, t.adminKey);
    await acme.assets([{ qualifiedName: ORDERS, typeName: 'Table' }]);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('Jira admin webhooks', () => {
    let fake: JiraFake;
    let jira: Connector;
    const openIssue = async (incidentId: string) => (await jiraTarget.open(fake.config, fakeOutbound(), incidentNotice({ incidentId }))).ref!.issueKey!;

    beforeAll(async () => {
      fake = await startJiraFake();
      jira = await createConnector('jira', fake.config as unknown as Record<string, unknown>);
    });
    afterAll(async () => {
      await fake.stop();
    });

    it('a transition to Done resolves the incident, as an ordinary change with the Jira connector as origin', async () => {
      const id = await mcIncident();
      const key = await openIssue(id);
      const answer = await fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, key, { status: 'Done' });
      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.body).eventIds).toHaveLength(1);
      const resolved = await incidentWhen(id, 'resolved', (i) => i.status === 'resolved');
      // a partial change of the Monte Carlo incident: its source and its other fields stay
      expect(resolved).toMatchObject({ source: 'montecarlo', severity: 'SEV-2', owner: null });
      expect(await changesOf(id)).toEqual([['incident.opened', expect.stringMatching(/^ingest:/)], ['incident.resolved', `ingest:${jira.id}`]]);
    });

    it('a transition out of Done reopens it', async () => {
      const id = await mcIncident();
      const key = await openIssue(id);
      expect((await fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, key, { status: 'Done' })).status).toBe(202);
      await incidentWhen(id, 'resolved', (i) => i.status === 'resolved');
      expect((await fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, key, { status: 'To Do' })).status).toBe(202);
      await incidentWhen(id, 'reopened', (i) => i.status === 'open');
      expect((await changesOf(id)).slice(1)).toEqual([['incident.resolved', `ingest:${jira.id}`], ['incident.opened', `ingest:${jira.id}`]]);
    });

    it('an assignee becomes the incident\'s owner, by email', async () => {
      const id = await mcIncident();
      const key = await openIssue(id);
      const bo = { accountId: '557058:bo', displayName: 'Bo Chen', emailAddress: 'bo@acme.example' };
      expect((await fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, key, { assignee: bo })).status).toBe(202);
      const owned = await incidentWhen(id, 'owned', (i) => i.owner !== null);
      expect(owned).toMatchObject({ owner: 'bo@acme.example', status: 'open' });
      expect((await changesOf(id)).slice(1)).toEqual([['incident.updated', `ingest:${jira.id}`]]);
    });

    it('a wrong or missing signature is 401 invalid_signature: nothing is logged and the incident is unchanged', async () => {
      const id = await mcIncident();
      const key = await openIssue(id);
      const before = await incident(id);
      await refused(() => fake.sendWebhook(hookUrl('jira', jira), 'not-the-signing-secret', key, { status: 'Done' }), 401, 'invalid_signature');
      await refused(async () => {
        const unsigned = await fetch(hookUrl('jira', jira), { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { id: '1', key } }) });
        return { status: unsigned.status, body: await unsigned.text() };
      }, 401, 'invalid_signature');
      await drained();
      expect(await incident(id)).toEqual(before);
      expect(await changesOf(id)).toHaveLength(1);
    });

    it('an issue without an incident label is acknowledged (202) and kept as ignored, not_ours; nothing changes', async () => {
      const feedBefore = (await acme.get('/v1/changes?limit=1000')).body.items.length;
      const { ref } = await jiraTarget.test(fake.config, fakeOutbound());
      const answer = await fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, ref!.issueKey!, { status: 'Done' });
      expect(answer.status).toBe(202);
      const [eventId] = JSON.parse(answer.body).eventIds;
      const kept = await waitFor('the delivery kept as ignored', async () => (await ignoredOf(jira)).find((d) => d.id === eventId));
      expect(kept.reason).toBe('not_ours');
      await drained();
      expect((await acme.get('/v1/changes?limit=1000')).body.items).toHaveLength(feedBefore);
    });

    it('an incident of another tenant is acknowledged (202) and changes nothing in either tenant', async () => {
      const created = await t.http().post('/v1/tenants').set(auth()).send({ id: 'globex', name: 'Globex', placement: 'pooled' }).expect(201);
      const globex = new TenantClient(t, created.body.adminKey);
      await globex.assets([{ qualifiedName: ORDERS, typeName: 'Table' }]);
      const theirs = await mcIncident(globex);
      const before = await incident(theirs, globex);
      const acmeFeed = (await acme.get('/v1/changes?limit=1000')).body.items.length;

      // acme's Jira webhook names globex's incident (an issue labelled with its id)
      const key = await openIssue(theirs);
      const answer = await fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, key, { status: 'Done' });
      expect(answer.status).toBe(202);
      const [eventId] = JSON.parse(answer.body).eventIds;
      const kept = await waitFor('the delivery kept as ignored', async () => (await ignoredOf(jira)).find((d) => d.id === eventId));
      expect(kept.reason).toBe('unknown_incident');
      await drained();
      expect(await incident(theirs, globex)).toEqual(before);
      expect(await changesOf(theirs, globex)).toEqual([['incident.opened', expect.stringMatching(/^ingest:/)]]);
      expect((await acme.get('/v1/changes?limit=1000')).body.items).toHaveLength(acmeFeed);
      // and acme cannot see it either way
      expect((await acme.get(`/v1/incidents/${theirs}`)).status).toBe(404);
    });

    it('a disabled connector is 403, and a path naming another type, or no connector, 404; none logs anything', async () => {
      const id = await mcIncident();
      const key = await openIssue(id);
      const before = await incident(id);
      await t.http().patch(`/v1/connectors/${jira.id}`).set(auth()).send({ enabled: false }).expect(200);
      try {
        await refused(() => fake.sendWebhook(hookUrl('jira', jira), jira.signingSecret, key, { status: 'Done' }), 403, 'connector_disabled');
      } finally {
        await t.http().patch(`/v1/connectors/${jira.id}`).set(auth()).send({ enabled: true }).expect(200);
      }
      await refused(() => fake.sendWebhook(hookUrl('freshdesk', jira), jira.signingSecret, key, { status: 'Done' }), 404, 'connector_not_found');
      await refused(() => fake.sendWebhook(`${base}/v1/hooks/jira/${randomUUID()}`, jira.signingSecret, key, { status: 'Done' }), 404, 'connector_not_found');
      await drained();
      expect(await incident(id)).toEqual(before);
    });
  });

  describe('Freshdesk automation webhooks', () => {
    let fake: FreshdeskFake;
    let freshdesk: Connector;
    /** The ticket the Freshdesk target raises for an incident: tagged with it. */
    const openTicket = async (incidentId: string) => {
      const ticketId = Number((await freshdeskTarget.open(fake.config, fakeOutbound(), incidentNotice({ incidentId }))).ref!.ticketId);
      expect(fake.tickets.find((ticket) => ticket.id === ticketId)!.tags).toContain(`tributary-incident-${incidentId}`);
      return ticketId;
    };

    beforeAll(async () => {
      fake = await startFreshdeskFake();
      freshdesk = await createConnector('freshdesk', fake.config as unknown as Record<string, unknown>);
    });
    afterAll(async () => {
      await fake.stop();
    });

    it('Resolved, with the secret in X-Tributary-Secret, resolves the incident', async () => {
      const id = await mcIncident();
      const ticket = await openTicket(id);
      const answer = await fake.sendWebhook(hookUrl('freshdesk', freshdesk), { header: freshdesk.signingSecret }, ticket, { status: 4 });
      expect(answer.status).toBe(202);
      await incidentWhen(id, 'resolved', (i) => i.status === 'resolved');
      expect((await changesOf(id)).slice(1)).toEqual([['incident.resolved', `ingest:${freshdesk.id}`]]);
    });

    it('Closed, with the secret as the Basic auth password and the legacy wrapper, resolves it; Open reopens it with its agent as owner', async () => {
      const id = await mcIncident();
      const ticket = await openTicket(id);
      const basic = { basic: { user: 'tributary', password: freshdesk.signingSecret } };
      expect((await fake.sendWebhook(hookUrl('freshdesk', freshdesk), basic, ticket, { status: 5 }, { legacy: true })).status).toBe(202);
      await incidentWhen(id, 'resolved', (i) => i.status === 'resolved');
      expect((await fake.sendWebhook(hookUrl('freshdesk', freshdesk), basic, ticket, { status: 2, agentEmail: 'bo@acme.example' })).status).toBe(202);
      const reopened = await incidentWhen(id, 'reopened', (i) => i.status === 'open');
      expect(reopened.owner).toBe('bo@acme.example');
      expect((await changesOf(id)).slice(1)).toEqual([['incident.resolved', `ingest:${freshdesk.id}`], ['incident.opened', `ingest:${freshdesk.id}`]]);
    });

    it('a missing or wrong secret is 401 invalid_signature, whichever way it is given; the incident is unchanged', async () => {
      const id = await mcIncident();
      const ticket = await openTicket(id);
      const before = await incident(id);
      await refused(() => fake.sendWebhook(hookUrl('freshdesk', freshdesk), { header: 'not-the-secret' }, ticket, { status: 4 }), 401, 'invalid_signature');
      // the secret as the user name, Freshdesk's own API convention, is not the password
      await refused(() => fake.sendWebhook(hookUrl('freshdesk', freshdesk), { basic: { user: freshdesk.signingSecret, password: 'X' } }, ticket, { status: 4 }),
        401, 'invalid_signature');
      await refused(async () => {
        const bare = await fetch(hookUrl('freshdesk', freshdesk), { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ticket_id: ticket, ticket_status: 'Resolved', ticket_tags: `tributary-incident-${id}` }) });
        return { status: bare.status, body: await bare.text() };
      }, 401, 'invalid_signature');
      await drained();
      expect(await incident(id)).toEqual(before);
      expect(await changesOf(id)).toHaveLength(1);
    });

    it('a ticket without an incident tag is acknowledged (202) and kept as ignored, not_ours', async () => {
      const { ref } = await freshdeskTarget.test(fake.config, fakeOutbound());
      const answer = await fake.sendWebhook(hookUrl('freshdesk', freshdesk), { header: freshdesk.signingSecret }, Number(ref!.ticketId), { status: 4 });
      expect(answer.status).toBe(202);
      const [eventId] = JSON.parse(answer.body).eventIds;
      const kept = await waitFor('the delivery kept as ignored', async () => (await ignoredOf(freshdesk)).find((d) => d.id === eventId));
      expect(kept.reason).toBe('not_ours');
    });
  });

  describe('Slack buttons', () => {
    let fake: SlackFake;
    let slack: Connector;
    let facts: Subscription;
    const received: IncidentFactRecord[] = [];
    /** The message the Slack target posts about an incident, with its Acknowledge and Resolve buttons. */
    const post = async (incidentId: string) => {
      const { ref } = await slackTarget.open(fake.config, fakeOutbound(), incidentNotice({ incidentId }));
      return { channel: ref!.channel!, ts: ref!.ts! };
    };

    beforeAll(async () => {
      fake = await startSlackFake({ rateLimit: false });
      slack = await createConnector('slack', { ...fake.config, signingSecret: SLACK_SIGNING_SECRET });
      facts = await t.runtime.eventLog.subscribe('replies-spec', 'incident-facts', async (batch) => {
        received.push(...batch.map((record) => incidentFactCodec.decode(record.value)));
      }, { batchSize: 100, onError: () => undefined });
    });
    afterAll(async () => {
      await facts.stop();
      await fake.stop();
    });

    it('Acknowledge answers 200 and marks the incident acknowledged (still open; the facts carry the time)', async () => {
      const id = await mcIncident();
      const answer = await fake.click(`${base}/v1/hooks/slack/${slack.id}`, SLACK_SIGNING_SECRET, await post(id), 'tributary_acknowledge');
      expect(answer.status).toBe(200);
      const acknowledged = await incidentWhen(id, 'acknowledged', (i) => i.rawStatus === 'acknowledged');
      expect(acknowledged.status).toBe('open');
      expect((await changesOf(id)).slice(1)).toEqual([['incident.updated', `ingest:${slack.id}`]]);
      const fact = await waitFor('the acknowledgement\'s fact', async () => received.find((f) => f.incidentId === id && f.acknowledgedAt !== null));
      // the incident stays the Monte Carlo connector's (whose open incidents reconciliation re-reads): its facts name that connector
      const [[, openedBy]] = await changesOf(id);
      expect([fact.status, `ingest:${fact.connector}`]).toEqual(['open', openedBy]);
    });

    it('Resolve answers 200 and resolves the incident', async () => {
      const id = await mcIncident();
      const answer = await fake.click(`${base}/v1/hooks/slack/${slack.id}`, SLACK_SIGNING_SECRET, await post(id), 'tributary_resolve');
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).eventIds).toHaveLength(1);
      await incidentWhen(id, 'resolved', (i) => i.status === 'resolved');
      expect((await changesOf(id)).slice(1)).toEqual([['incident.resolved', `ingest:${slack.id}`]]);
    });

    it('a timestamp older than 5 minutes is 401 stale_request, another secret 401 invalid_signature; the incident is unchanged', async () => {
      const id = await mcIncident();
      const message = await post(id);
      const before = await incident(id);
      const url = `${base}/v1/hooks/slack/${slack.id}`;
      const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
      await refused(() => fake.click(url, SLACK_SIGNING_SECRET, message, 'tributary_resolve', { timestampSeconds: sixMinutesAgo }), 401, 'stale_request');
      await refused(() => fake.click(url, 'another-apps-signing-secret', message, 'tributary_resolve'), 401, 'invalid_signature');
      await drained();
      expect(await incident(id)).toEqual(before);
      expect(await changesOf(id)).toHaveLength(1);
    });
  });
});
