import { randomUUID } from 'node:crypto';
import { platformApp } from '../../apps/platform/src/platform.app';
import { FreshdeskFake, startFreshdeskFake } from '../support/fakes/freshdesk-fake';
import { JiraFake, startJiraFake } from '../support/fakes/jira-fake';
import { SlackFake, startSlackFake } from '../support/fakes/slack-fake';
import { startTeamsFake, TeamsFake } from '../support/fakes/teams-fake';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const MART = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS_MART';
const DASHBOARD = 'looker/acme/orders';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

interface Delivery { id: string; ruleId: string; connectorId: string; incidentId: string; status: string; ref: Record<string, string> | null;
  attemptCount: number; attempts: { outcome: string; answer: string }[] }

/**
 * Notify rules end to end, on the all-in-one platform and local fakes of the four destinations: a
 * Monte Carlo webhook opens an incident, each rule's destination gets one message or ticket with
 * the downstream impact, later changes update that message or ticket, and a destination's errors
 * are retried, waited out or parked as its contract says, never making a second message.
 */
describe('notifications', () => {
  let t: TestApp;
  let mc: { id: string; signingSecret: string };
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const deliver = async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    await t.http().post(`/v1/hooks/montecarlo/${mc.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, mc.signingSecret)).send(body).expect(202);
  };
  const incidentOf = (externalId: string) => waitFor(`incident ${externalId}`, async () => {
    const items = (await t.http().get('/v1/incidents?limit=100').set(auth())).body.items as { id: string; externalId: string; status: string }[];
    return items.find((i) => i.externalId === externalId);
  });
  const target = async (type: string, config: unknown) =>
    (await t.http().post('/v1/connectors').set(auth()).send({ type, name: `${type}-${randomUUID().slice(0, 8)}`, config }).expect(201)).body.id as string;
  const rule = async (connectorId: string, extra: Record<string, unknown> = {}) =>
    (await t.http().post('/v1/rules').set(auth()).send({
      name: `notify ${connectorId}`, trigger: ['incident.opened', 'incident.updated', 'incident.resolved'],
      action: { type: 'notify', connectorId, ...((extra.action as object) ?? {}) }, ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'action')),
    }).expect(201)).body.id as string;
  const deliveries = async (query = '') => (await t.http().get(`/v1/deliveries?limit=500${query}`).set(auth()).expect(200)).body.items as Delivery[];
  const deliveryOf = (connectorId: string, incidentId: string, until: (d: Delivery) => boolean) =>
    waitFor(`the delivery to ${connectorId}`, async () => (await deliveries(`&connectorId=${connectorId}&incident=${incidentId}`)).find(until));
  const disable = (ruleId: string) => t.http().patch(`/v1/rules/${ruleId}`).set(auth()).send({ enabled: false }).expect(200);

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, jobAttempts: 3, jobBackoffMs: 100, outboundTimeoutMs: 1_000, ...LOCAL_OUTBOUND_CONFIG } });
    // Jira's fake calls the API over HTTP, as Jira would
    await t.app.listen(0, '127.0.0.1');
    await t.http().put('/v1/assets').set(auth()).send({ assets: [
      { qualifiedName: ORDERS, typeName: 'Table', attributes: { owner: 'ana@example.com' } },
      { qualifiedName: MART, typeName: 'Table', attributes: { owner: 'bi@example.com' } },
      { qualifiedName: DASHBOARD, typeName: 'Dashboard', attributes: { owner: 'bi@example.com' } },
    ] }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: ORDERS, to: MART }, { from: MART, to: DASHBOARD }] }).expect(200);
    mc = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('to all four destinations', () => {
    let slack: SlackFake;
    let teams: TeamsFake;
    let jira: JiraFake;
    let freshdesk: FreshdeskFake;
    const ids: Record<string, string> = {};
    const rules: string[] = [];

    beforeAll(async () => {
      [slack, teams, jira, freshdesk] = await Promise.all([startSlackFake({ rateLimit: false }), startTeamsFake(), startJiraFake(), startFreshdeskFake()]);
      for (const [name, fake] of Object.entries({ slack, teams, jira, freshdesk })) {
        ids[name] = await target(name, fake.config);
        rules.push(await rule(ids[name]));
      }
    });
    afterAll(async () => {
      for (const r of rules) await disable(r);
      await Promise.all([slack, teams, jira, freshdesk].map((f) => f.stop()));
    });

    it('sends one message or ticket per destination with the impact, then keeps it up to date, and never a second one', async () => {
      const externalId = randomUUID();
      const opening = incidentWebhook({ incidentId: externalId, severity: 'SEV-1' });
      await deliver(opening);
      const incident = await incidentOf(externalId);
      for (const id of Object.values(ids)) await deliveryOf(id, incident.id, (d) => d.status === 'sent');
      expect(slack.messages()).toHaveLength(1);
      expect(teams.cards).toHaveLength(1);
      expect(jira.issues()).toHaveLength(1);
      expect(freshdesk.tickets).toHaveLength(1);
      // the impact: ORDERS_MART and the dashboard downstream, owned by bi@
      const posted = slack.messages()[0].versions[0].plain;
      expect(posted).toContain('SEV-1');
      expect(posted).toContain(ORDERS);
      expect(posted).toMatch(/\b2\b/);
      expect(posted).toContain('bi@example.com');
      expect(jira.issues()[0].labels).toContain(`tributary-incident-${incident.id}`);

      // a redelivered webhook changes nothing, so nothing is sent
      await deliver(opening);
      await deliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'investigating' }));
      await deliveryOf(ids.jira, incident.id, (d) => d.attempts.length >= 2 && d.status === 'sent');
      await deliveryOf(ids.slack, incident.id, (d) => d.attempts.length >= 2 && d.status === 'sent');
      expect(slack.messages()).toHaveLength(1);
      expect(slack.messages()[0].versions.length).toBeGreaterThanOrEqual(2);
      expect(jira.issues()).toHaveLength(1);
      expect(jira.issues()[0].comments.length).toBeGreaterThanOrEqual(1);

      await deliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
      await deliveryOf(ids.slack, incident.id, (d) => d.attempts.length >= 3 && d.status === 'sent');
      await deliveryOf(ids.jira, incident.id, (d) => d.attempts.length >= 3 && d.status === 'sent');
      await deliveryOf(ids.freshdesk, incident.id, (d) => d.attempts.length >= 3 && d.status === 'sent');
      expect(slack.items()[0].resolved).toBe(true);
      expect(jira.issues()[0].statusCategory).toBe('done');
      expect(freshdesk.tickets[0].status).toBe(4);
      expect([slack.messages(), jira.issues(), freshdesk.tickets].map((l) => l.length)).toEqual([1, 1, 1]);
      expect(teams.cards.at(-1)!.resolved).toBe(true);
      const shown = await deliveries(`&incident=${incident.id}`);
      expect(shown).toHaveLength(4);
      expect(shown.find((d) => d.connectorId === ids.jira)!.ref).toMatchObject({ issueKey: jira.issues()[0].key });
    });
  });

  describe('closing the loop', () => {
    it('a Jira transition to Done resolves the incident, downstream recovers, Slack shows Resolved, and Jira is not told back', async () => {
      const [slack, jira] = await Promise.all([startSlackFake({ rateLimit: false }), startJiraFake()]);
      const jiraConnector = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'jira', name: 'jira-loop', config: jira.config }).expect(201)).body;
      const slackId = await target('slack', slack.config);
      const ruleIds = [await rule(slackId), await rule(jiraConnector.id)];
      try {
        const externalId = randomUUID();
        await deliver(incidentWebhook({ incidentId: externalId, severity: 'SEV-1' }));
        const incident = await incidentOf(externalId);
        await deliveryOf(jiraConnector.id, incident.id, (d) => d.status === 'sent');
        await deliveryOf(slackId, incident.id, (d) => d.status === 'sent');
        const health = async (qualifiedName: string) =>
          (await t.http().get(`/v1/assets/${encodeURIComponent(qualifiedName)}`).set(auth()).expect(200)).body.health.status as string;
        await waitFor('the mart downstream warned', async () => ((await health(MART)) !== 'healthy' ? true : undefined));

        const answer = await jira.sendWebhook(`${await t.app.getUrl()}/v1/hooks/jira/${jiraConnector.id}`, jiraConnector.signingSecret, jira.issues()[0].key, { status: 'Done' });
        expect(answer.status).toBe(202);
        await waitFor('the incident resolved', async () =>
          ((await t.http().get(`/v1/incidents/${incident.id}`).set(auth())).body.status === 'resolved' ? true : undefined));
        await waitFor('the mart downstream recovered', async () => ((await health(MART)) === 'healthy' ? true : undefined));
        await waitFor('Slack showing Resolved', async () => (slack.items()[0]?.resolved ? true : undefined));
        const changes = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { type: string; origin: string; data: { incidentId?: string } }[];
        expect(changes.find((c) => c.type === 'incident.resolved' && c.data.incidentId === incident.id)?.origin).toBe(`ingest:${jiraConnector.id}`);
        // Jira made the change: no comment goes back to it, and there is still one issue
        const jiraDelivery = (await deliveries(`&connectorId=${jiraConnector.id}&incident=${incident.id}`))[0];
        expect(jiraDelivery.attempts).toHaveLength(1);
        expect(jira.issues()).toHaveLength(1);
        expect(jira.issues()[0].comments).toHaveLength(0);
        expect(slack.messages()).toHaveLength(1);
      } finally {
        for (const r of ruleIds) await disable(r);
        await Promise.all([slack.stop(), jira.stop()]);
      }
    });
  });

  describe('a destination\'s errors', () => {
    let slack: SlackFake;
    let slackId: string;
    let ruleId: string;

    beforeEach(async () => {
      slack = await startSlackFake({ rateLimit: false });
      slackId = await target('slack', slack.config);
      ruleId = await rule(slackId);
    });
    afterEach(async () => {
      await disable(ruleId);
      await slack.stop();
    });

    it('retries a 5xx and a timeout later, and sends once', async () => {
      slack.failNext({ kind: 'server_error' });
      slack.failNext({ kind: 'hang' });
      const externalId = randomUUID();
      await deliver(incidentWebhook({ incidentId: externalId }));
      const incident = await incidentOf(externalId);
      const done = await deliveryOf(slackId, incident.id, (d) => d.status === 'sent');
      expect(done.attempts.map((a) => a.outcome)).toEqual(['sent', 'failed', 'failed']);
      expect(slack.messages()).toHaveLength(1);
    });

    it('waits out a 429 for its Retry-After, and sends once', async () => {
      slack.failNext({ kind: 'rate_limited', retryAfterSeconds: 1 });
      const externalId = randomUUID();
      await deliver(incidentWebhook({ incidentId: externalId }));
      const incident = await incidentOf(externalId);
      const done = await deliveryOf(slackId, incident.id, (d) => d.status === 'sent');
      expect(done.attempts.map((a) => a.outcome)).toEqual(['sent', 'rate_limited']);
      expect(slack.messages()).toHaveLength(1);
    });

    it('parks a permanent error with the destination\'s own words, and sends it once replayed after the fix', async () => {
      slack.slackErrorNext('channel_not_found');
      const externalId = randomUUID();
      await deliver(incidentWebhook({ incidentId: externalId }));
      const incident = await incidentOf(externalId);
      const parked = await deliveryOf(slackId, incident.id, (d) => d.status === 'parked');
      expect(parked.attempts[0].answer).toContain('channel_not_found');
      expect(JSON.stringify(parked)).not.toContain(String((slack.config as { botToken: string }).botToken));
      expect(slack.messages()).toHaveLength(0);
      const letters = (await t.http().get('/v1/dead-letters?limit=500').set(auth()).expect(200)).body.items as { id: string; stream: string; payload: { deliveryId?: string } }[];
      const letter = letters.find((l) => l.stream === 'notifications' && l.payload.deliveryId === parked.id)!;
      expect(letter).toBeDefined();
      await t.http().post(`/v1/dead-letters/${letter.id}/replay`).set(auth()).expect(202);
      await deliveryOf(slackId, incident.id, (d) => d.status === 'sent');
      expect(slack.messages()).toHaveLength(1);
      // what the deliveries did is counted by outcome
      const scrape = (await t.http().get('/metrics').set(auth()).expect(200)).text;
      for (const outcome of ['sent', 'parked']) {
        expect(Number(new RegExp(`^tributary_notification_deliveries_total\\{tenant="default",outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(scrape)?.[1]))
          .toBeGreaterThan(0);
      }
    });

    it('parks what is queued for a connector deleted meanwhile, with the reason', async () => {
      await t.http().delete(`/v1/connectors/${slackId}`).set(auth()).expect(204);
      const externalId = randomUUID();
      await deliver(incidentWebhook({ incidentId: externalId }));
      const incident = await incidentOf(externalId);
      const parked = await deliveryOf(slackId, incident.id, (d) => d.status === 'parked');
      expect(parked.attempts[0].answer).toContain('deleted');
      expect(slack.messages()).toHaveLength(0);
    });
  });

  describe('rules', () => {
    it('send only what the filter passes: over the incident, the event and the asset', async () => {
      const slack = await startSlackFake({ rateLimit: false });
      const slackId = await target('slack', slack.config);
      const ruleId = await rule(slackId, { filter: 'incident.severity == "SEV-1" && asset.owner == "ana@example.com" && incident.downstreamAssets >= 2' });
      try {
        const [low, high] = [randomUUID(), randomUUID()];
        await deliver(incidentWebhook({ incidentId: low, severity: 'SEV-3' }));
        await deliver(incidentWebhook({ incidentId: high, severity: 'SEV-1' }));
        const incident = await incidentOf(high);
        await deliveryOf(slackId, incident.id, (d) => d.status === 'sent');
        const lowIncident = await incidentOf(low);
        expect(await deliveries(`&connectorId=${slackId}&incident=${lowIncident.id}`)).toHaveLength(0);
        expect(slack.messages()).toHaveLength(1);
      } finally {
        await disable(ruleId);
        await slack.stop();
      }
    });

    it('turn a burst into one digest per window', async () => {
      const teams = await startTeamsFake();
      const teamsId = await target('teams', teams.config);
      // the title template names each incident by its Monte Carlo link, so the summary can be checked for all five
      const ruleId = await rule(teamsId, { action: { digestSeconds: 2, template: { title: '"Volume drop " + incident.sourceUrl' } } });
      try {
        const burst = Array.from({ length: 5 }, () => randomUUID());
        for (const externalId of burst) await deliver(incidentWebhook({ incidentId: externalId }));
        const incidents = await Promise.all(burst.map(incidentOf));
        for (const i of incidents) await deliveryOf(teamsId, i.id, (d) => d.status === 'sent');
        expect(teams.cards.length).toBeLessThanOrEqual(2);
        const text = teams.cards.map((c) => c.text).join('\n');
        for (const id of burst) expect(text).toContain(`Volume drop https://getmontecarlo.com/incidents/${id}`);
      } finally {
        await disable(ruleId);
        await teams.stop();
      }
    });

    it('are refused at save when they name no target, trigger on other changes, or have a broken filter', async () => {
      const save = (body: Record<string, unknown>) => t.http().post('/v1/rules').set(auth())
        .send({ name: 'bad', trigger: ['incident.opened'], action: { type: 'notify', connectorId: mc.id }, ...body });
      expect((await save({}).expect(422)).body.error.code).toBe('not_a_target');
      expect((await save({ action: { type: 'notify', connectorId: randomUUID() } }).expect(422)).body.error.code).toBe('unknown_connector');
      const teams = await startTeamsFake();
      try {
        const teamsId = await target('teams', teams.config);
        expect((await save({ action: { type: 'notify', connectorId: teamsId }, trigger: ['asset.created'] }).expect(422)).body.error.code)
          .toBe('invalid_trigger');
        expect((await save({ action: { type: 'notify', connectorId: teamsId }, filter: 'incident.severity ==' }).expect(422)).body.error.code)
          .toBe('invalid_expression');
      } finally {
        await teams.stop();
      }
    });
  });
});
