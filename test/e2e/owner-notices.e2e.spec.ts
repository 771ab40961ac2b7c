import { randomUUID } from 'node:crypto';
import { CHANGES_STREAM, changeRecord } from '@tributary/propagation';
import { asTenantId, ChangeEventsRepository } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { FreshdeskFake, startFreshdeskFake } from '../support/fakes/freshdesk-fake';
import { JiraFake, startJiraFake } from '../support/fakes/jira-fake';
import { SlackFake, startSlackFake } from '../support/fakes/slack-fake';
import { startTeamsFake, TeamsFake } from '../support/fakes/teams-fake';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const SCIM = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const CUSTOMERS = 'snowflake/acme/ANALYTICS/PUBLIC/CUSTOMERS';
const REVENUE = 'snowflake/acme/ANALYTICS/PUBLIC/REVENUE_V';
const EVENTS = 'snowflake/acme/RAW/PUBLIC/EVENTS';
const LOSS = 'asset.owner.deactivated';

interface Delivery { id: string; ruleId: string; connectorId: string; incidentId: string | null; status: string; attemptCount: number;
  ownerLoss: { id: string; kind: string; who: string; reason: string; assets: number } | null }

/**
 * Notify rules on asset.owner.deactivated, end to end on the all-in-one platform: a person deprovisioned
 * through SCIM (or a group deleted) is ONE message or ticket per destination listing every asset they
 * owned, never one per asset, and never twice, however its change events are redelivered or split.
 */
describe('owner-loss notices', () => {
  let t: TestApp;
  let token: string;
  let slack: SlackFake;
  let teams: TeamsFake;
  let jira: JiraFake;
  let freshdesk: FreshdeskFake;
  let groupsOnly: SlackFake;
  const ids: Record<string, string> = {};
  const tenant = asTenantId('default');
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const scim = (method: 'post' | 'patch' | 'delete', path: string, body?: unknown) => {
    const req = t.http()[method](`/scim/v2${path}`).set('Authorization', `Bearer ${token}`).set('Accept', SCIM);
    return body === undefined ? req : req.set('Content-Type', SCIM).send(JSON.stringify(body));
  };
  const target = async (type: string, config: unknown) =>
    (await t.http().post('/v1/connectors').set(auth()).send({ type, name: `${type}-${randomUUID().slice(0, 8)}`, config }).expect(201)).body.id as string;
  const rule = async (connectorId: string, extra: Record<string, unknown> = {}) =>
    (await t.http().post('/v1/rules').set(auth()).send({ name: `owners ${connectorId}`, trigger: [LOSS], action: { type: 'notify', connectorId }, ...extra })
      .expect(201)).body.id as string;
  const deliveries = async (query = '') => (await t.http().get(`/v1/deliveries?limit=500${query}`).set(auth()).expect(200)).body.items as Delivery[];
  const sentTo = (connectorId: string, count = 1) => waitFor(`${count} sent owner-loss deliveries to ${connectorId}`, async () => {
    const sent = (await deliveries(`&connectorId=${connectorId}`)).filter((d) => d.ownerLoss !== null && d.status === 'sent');
    return sent.length >= count ? sent : undefined;
  });
  /** The change stream's records of these events appended again: what a redelivery or a replay of the stream is to the notifier. */
  const redeliver = async (pick: (subjects: string[]) => string[]) => {
    const events = (await t.runtime.database.inTenant(tenant, (tx) => new ChangeEventsRepository().listAfter(tx, 0, 10_000))).filter((e) => e.type === LOSS);
    const chosen = new Set(pick(events.map((e) => e.subject)));
    await t.runtime.eventLog.append(CHANGES_STREAM, events.filter((e) => chosen.has(e.subject)).map((e) => changeRecord(tenant, e)));
  };
  let ana: string;
  let dataEng: string;

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, jobAttempts: 3, jobBackoffMs: 100, outboundTimeoutMs: 1_000, ...LOCAL_OUTBOUND_CONFIG } });
    token = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'okta', name: 'okta', config: {} }).expect(201)).body.scimToken;
    await t.http().put('/v1/assets').set(auth()).send({ assets: [
      { qualifiedName: ORDERS, typeName: 'Table', attributes: { owner: 'ana@acme.io' } },
      { qualifiedName: CUSTOMERS, typeName: 'Table', attributes: { owner: 'ana@acme.io' } },
      { qualifiedName: REVENUE, typeName: 'View', attributes: { owner: 'ana@acme.io' } },
      { qualifiedName: EVENTS, typeName: 'Table', attributes: { owner: 'Data-Eng' } },
    ] }).expect(200);
    ana = (await scim('post', '/Users', { schemas: [USER], userName: 'ana@acme.io', displayName: 'Ana Lima', name: { givenName: 'Ana', familyName: 'Lima' },
      emails: [{ primary: true, value: 'ana@acme.io' }], active: true }).expect(201)).body.id;
    dataEng = (await scim('post', '/Groups', { schemas: [GROUP], displayName: 'Data-Eng', members: [] }).expect(201)).body.id;
    [slack, teams, jira, freshdesk, groupsOnly] = await Promise.all([startSlackFake({ rateLimit: false }), startTeamsFake(), startJiraFake(),
      startFreshdeskFake(), startSlackFake({ rateLimit: false })]);
    for (const [name, fake] of Object.entries({ slack, teams, jira, freshdesk })) {
      ids[name] = await target(name, fake.config);
      await rule(ids[name]);
    }
    ids.groupsOnly = await target('slack', groupsOnly.config);
    await rule(ids.groupsOnly, { filter: 'event.data.kind == "group" && asset.typeName == "Table"' });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([slack, teams, jira, freshdesk, groupsOnly].map((f) => f.stop()));
  });

  describe('rules', () => {
    it('a notify rule triggers on incident changes or on asset.owner.deactivated, never both, with no digest or title', async () => {
      const post = (body: Record<string, unknown>) => t.http().post('/v1/rules').set(auth()).send({ name: 'x', ...body });
      const both = await post({ trigger: ['incident.opened', LOSS], action: { type: 'notify', connectorId: ids.slack } });
      expect([both.status, both.body.error.code]).toEqual([422, 'invalid_trigger']);
      expect(both.body.error.message).toContain('either on incident changes');
      expect(both.body.error.message).toContain(LOSS);
      const digest = await post({ trigger: [LOSS], action: { type: 'notify', connectorId: ids.slack, digestSeconds: 60 } });
      expect([digest.status, digest.body.error.code]).toEqual([422, 'invalid_action']);
      const title = await post({ trigger: [LOSS], action: { type: 'notify', connectorId: ids.slack, template: { title: 'incident.title' } } });
      expect([title.status, title.body.error.code]).toEqual([422, 'invalid_action']);
      const other = await post({ trigger: ['asset.created'], action: { type: 'notify', connectorId: ids.slack } });
      expect([other.status, other.body.error.code]).toEqual([422, 'invalid_trigger']);
      // none of them was saved
      expect((await t.http().get('/v1/rules').set(auth())).body.items.filter((r: { name: string }) => r.name === 'x')).toEqual([]);
      // nor can an edit of the triggers alone mix them
      const saved = await post({ trigger: [LOSS], action: { type: 'notify', connectorId: ids.slack }, enabled: false }).expect(201);
      const mixed = await t.http().patch(`/v1/rules/${saved.body.id}`).set(auth()).send({ trigger: [LOSS, 'incident.resolved'] });
      expect([mixed.status, mixed.body.error.code]).toEqual([422, 'invalid_trigger']);
      await t.http().delete(`/v1/rules/${saved.body.id}`).set(auth()).expect(204);
    });
  });

  describe('a person deprovisioned through SCIM', () => {
    it('is one message or ticket per destination listing the 3 assets they owned', async () => {
      await scim('patch', `/Users/${ana}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
      const [sent] = await sentTo(ids.slack);
      for (const id of [ids.teams, ids.jira, ids.freshdesk]) await sentTo(id);
      expect(slack.messages()).toHaveLength(1);
      const posted = slack.messages()[0].versions[0].plain;
      for (const name of [ORDERS, CUSTOMERS, REVENUE]) expect(posted).toContain(name);
      expect(posted).toContain('Ana Lima (ana@acme.io)');
      expect(posted).toContain('deactivated');
      expect(posted).toContain('3 assets lost their owner');
      expect(teams.cards).toHaveLength(1);
      for (const name of [ORDERS, CUSTOMERS, REVENUE]) expect(teams.cards[0].text).toContain(name);
      expect(jira.issues()).toHaveLength(1);
      expect(jira.issues()[0].labels).toContain(`tributary-owner-loss-${sent.ownerLoss!.id}`);
      expect(jira.issues()[0].descriptionText).toContain(REVENUE);
      expect(freshdesk.tickets).toHaveLength(1);
      expect(freshdesk.items()[0].texts.join('\n')).toContain(CUSTOMERS);
      // the deliveries log: no incident, the owner lost instead
      expect(sent).toMatchObject({ incidentId: null, attemptCount: 1, ownerLoss: { kind: 'person', who: 'Ana Lima (ana@acme.io)', reason: 'deactivated', assets: 3 } });
      const loss = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items.find((c: { type: string }) => c.type === LOSS).data.loss;
      expect(sent.ownerLoss!.id).toBe(loss);
      expect((await deliveries(`&ownerLoss=${loss}`)).map((d) => d.connectorId).sort()).toEqual([ids.slack, ids.teams, ids.jira, ids.freshdesk].sort());
      // the filter passes group losses only: nothing went to that destination
      expect(await deliveries(`&connectorId=${ids.groupsOnly}`)).toEqual([]);
      expect(groupsOnly.messages()).toHaveLength(0);
    });

    it('met again one event alone (a batch split, a replay) is still one message with every asset, and never a second one', async () => {
      const late = await startSlackFake({ rateLimit: false });
      try {
        const lateId = await target('slack', late.config);
        await rule(lateId);
        // one of the loss's three events redelivered alone: the rule made since tells of the whole loss
        await redeliver((subjects) => [subjects.find((s) => s === CUSTOMERS)!]);
        await sentTo(lateId);
        expect(late.messages()).toHaveLength(1);
        for (const name of [ORDERS, CUSTOMERS, REVENUE]) expect(late.messages()[0].versions[0].plain).toContain(name);
        // all three redelivered: a newer rule's message proves they were planned; nobody hears twice
        const later = await startSlackFake({ rateLimit: false });
        try {
          const laterId = await target('slack', later.config);
          await rule(laterId);
          await redeliver((subjects) => subjects);
          await sentTo(laterId);
          expect(later.messages()).toHaveLength(1);
        } finally {
          await later.stop();
        }
        expect(late.messages()).toHaveLength(1);
        expect(slack.messages()).toHaveLength(1);
        expect([teams.cards.length, jira.issues().length, freshdesk.tickets.length]).toEqual([1, 1, 1]);
        for (const id of [ids.slack, ids.teams, ids.jira, ids.freshdesk, lateId]) {
          expect((await deliveries(`&connectorId=${id}`)).map((d) => [d.status, d.attemptCount])).toEqual([['sent', 1]]);
        }
      } finally {
        await late.stop();
      }
    });

    it('the same deprovisioning twice tells nothing more', async () => {
      await scim('patch', `/Users/${ana}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
      await scim('delete', `/Users/${ana}`).expect(204);
      expect((await t.http().get('/v1/changes?limit=1000').set(auth())).body.items.filter((c: { type: string }) => c.type === LOSS)).toHaveLength(3);
      expect(slack.messages()).toHaveLength(1);
    });
  });

  describe('a group deleted', () => {
    it('is one message per destination naming the group and its assets, and passes the group-only filter', async () => {
      await scim('delete', `/Groups/${dataEng}`).expect(204);
      const sent = await sentTo(ids.groupsOnly);
      expect(sent).toHaveLength(1);
      expect(sent[0].ownerLoss).toMatchObject({ kind: 'group', who: 'Data-Eng', reason: 'deleted', assets: 1 });
      expect(groupsOnly.messages()).toHaveLength(1);
      expect(groupsOnly.messages()[0].versions[0].plain).toContain(EVENTS);
      expect(groupsOnly.messages()[0].versions[0].plain).toContain('Data-Eng');
      await sentTo(ids.slack, 2);
      expect(slack.messages()).toHaveLength(2);
      expect(slack.messages()[1].versions[0].plain).toContain(EVENTS);
      expect(slack.messages()[1].versions[0].plain).not.toContain(ORDERS);
      for (const id of [ids.teams, ids.jira, ids.freshdesk]) await sentTo(id, 2);
      expect([teams.cards.length, jira.issues().length, freshdesk.tickets.length]).toEqual([2, 2, 2]);
    });
  });

  describe('a destination\'s errors', () => {
    it('a 5xx is tried again and sends once; a permanent error is parked with its words, and sent once replayed', async () => {
      const flaky = await startSlackFake({ rateLimit: false });
      const broken = await startSlackFake({ rateLimit: false });
      try {
        const flakyId = await target('slack', flaky.config);
        const brokenId = await target('slack', broken.config);
        await rule(flakyId);
        await rule(brokenId);
        flaky.failNext({ kind: 'server_error' });
        broken.failNext({ kind: 'permanent' });
        await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: `${ORDERS}_COPY`, typeName: 'Table', attributes: { owner: 'bo@acme.io' } }] }).expect(200);
        const bo = (await scim('post', '/Users', { schemas: [USER], userName: 'bo@acme.io', active: true }).expect(201)).body.id;
        await scim('patch', `/Users/${bo}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
        const [sent] = await sentTo(flakyId);
        expect(sent.attemptCount).toBe(2);
        expect(flaky.messages()).toHaveLength(1);
        const parked = await waitFor('the parked delivery', async () => (await deliveries(`&connectorId=${brokenId}&status=parked`))[0]);
        expect(parked.ownerLoss).toMatchObject({ kind: 'person', assets: 1 });
        expect(broken.messages()).toHaveLength(0);
        expect(parked.attemptCount).toBe(1);
        const letters = (await t.http().get('/v1/dead-letters?limit=100').set(auth())).body.items as { id: string; payload: Record<string, unknown> }[];
        const letter = letters.find((l) => l.payload.deliveryId === parked.id && l.payload.ownerLoss === parked.ownerLoss!.id);
        expect(letter).toBeDefined();
        // the connector is fine again: the replayed letter sends the notice, once
        await t.http().post(`/v1/dead-letters/${letter!.id}/replay`).set(auth()).expect(202);
        const [replayed] = await sentTo(brokenId);
        expect(replayed.attemptCount).toBe(2);
        expect(broken.messages()).toHaveLength(1);
        expect(broken.messages()[0].versions[0].plain).toContain(`${ORDERS}_COPY`);
      } finally {
        await Promise.all([flaky.stop(), broken.stop()]);
      }
    });
  });
});
