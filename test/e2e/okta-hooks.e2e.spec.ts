import { randomUUID } from 'node:crypto';
import { platformApp } from '../../apps/platform/src/platform.app';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface Connector { id: string; webhookUrl: string; signingSecret: string; scimToken: string }
type Target = { id: string; type: string; alternateId?: string; displayName?: string };

/** An Okta LogEvent as event hooks carry it (okta.md), with the fields the directory does not read too. */
function logEvent(eventType: string, published: string, target: Target[], uuid = randomUUID()) {
  return {
    uuid, published, eventType, version: '0', severity: 'INFO', displayMessage: eventType, legacyEventType: null,
    actor: { id: '00uadmin', type: 'User', alternateId: 'admin@acme.io', displayName: 'Admin' },
    client: { ipAddress: '10.0.0.1' }, outcome: { result: 'SUCCESS', reason: null }, target,
    transaction: { type: 'WEB', id: 'tx1' }, debugContext: { debugData: {} }, authenticationContext: {}, securityContext: {},
  };
}
const envelope = (events: unknown[]) => ({
  eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', cloudEventsVersion: '0.1', contentType: 'application/json',
  eventId: randomUUID(), eventTime: new Date().toISOString(), source: 'https://acme.okta.com/api/v1/eventHooks/who8', data: { events },
});
const user = (id: string, login: string, name: string): Target => ({ id, type: 'User', alternateId: login, displayName: name });
const group = (id: string, name: string): Target => ({ id, type: 'UserGroup', alternateId: 'unknown', displayName: name });

const ANA = user('00uana', 'ana@acme.io', 'Ana Lima');
const BO = user('00ubo', 'bo@acme.io', 'Bo Chen');
const DATA = group('00gdata', 'data-eng');
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const CUSTOMERS = 'snowflake/acme/ANALYTICS/PUBLIC/CUSTOMERS';
const PAYMENTS = 'snowflake/acme/ANALYTICS/PUBLIC/PAYMENTS';

describe('Okta event hooks', () => {
  let t: TestApp;
  let okta: Connector;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const post = (body: unknown, secret: string | null = okta.signingSecret, c: Connector = okta) => {
    const req = t.http().post(`/v1/hooks/okta/${c.id}`).set('Content-Type', 'application/json');
    return (secret === null ? req : req.set('Authorization', secret)).send(JSON.stringify(body));
  };
  const drained = () => waitFor('the ingestor to drain the inbound log', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  const deliver = async (events: unknown[]) => {
    const res = await post(envelope(events));
    expect([res.status, res.text]).toEqual([204, '']);
    await drained();
  };
  const people = async (q = '') => (await t.http().get(`/v1/people${q}`).set(auth())).body.items as { id: string; login: string; active: boolean; status: string; displayName: string; oktaId: string }[];
  const person = async (login: string) => (await people(`?q=${enc(login)}`)).find((p) => p.login === login);
  const changes = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { type: string; subject: string; data: Record<string, unknown> }[];

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0 } });
    const res = await t.http().post('/v1/connectors').set(auth()).send({ type: 'okta', name: 'okta', config: {} });
    expect(res.status).toBe(201);
    okta = res.body;
    await t.http().put('/v1/assets').set(auth()).send({ assets: [
      { qualifiedName: ORDERS, typeName: 'Table', attributes: { owner: 'ana@acme.io' } },
      { qualifiedName: CUSTOMERS, typeName: 'Table', attributes: { owner: 'Data-Eng' } },
      { qualifiedName: PAYMENTS, typeName: 'Table', attributes: { owner: 'nobody@acme.io' } },
    ] }).expect(200);
  });
  afterAll(async () => { await t.close(); });

  describe('creating the connector', () => {
    it('answers the hook URL, the secret and the SCIM token once', async () => {
      expect(okta.webhookUrl).toMatch(new RegExp(`/v1/hooks/okta/${okta.id}$`));
      expect(okta.scimToken).toMatch(new RegExp(`^tscim_${okta.id}_`));
      const got = await t.http().get(`/v1/connectors/${okta.id}`).set(auth());
      expect(JSON.stringify(got.body)).not.toContain(okta.signingSecret);
      expect(JSON.stringify(got.body)).not.toContain(okta.scimToken);
    });
  });

  describe('the one-time verification GET', () => {
    it('echoes X-Okta-Verification-Challenge, with or without the Authorization secret', async () => {
      const bare = await t.http().get(`/v1/hooks/okta/${okta.id}`).set('X-Okta-Verification-Challenge', 'chal-123');
      expect([bare.status, bare.body]).toEqual([200, { verification: 'chal-123' }]);
      const signed = await t.http().get(`/v1/hooks/okta/${okta.id}`).set('X-Okta-Verification-Challenge', 'chal-456').set('Authorization', okta.signingSecret);
      expect([signed.status, signed.body]).toEqual([200, { verification: 'chal-456' }]);
    });

    it('refuses a wrong secret (401), a missing challenge (400) and an unknown connector (404)', async () => {
      const wrong = await t.http().get(`/v1/hooks/okta/${okta.id}`).set('X-Okta-Verification-Challenge', 'x').set('Authorization', 'nope');
      expect([wrong.status, wrong.body.error.code]).toEqual([401, 'invalid_signature']);
      const missing = await t.http().get(`/v1/hooks/okta/${okta.id}`);
      expect([missing.status, missing.body.error.code]).toEqual([400, 'missing_challenge']);
      const unknown = await t.http().get(`/v1/hooks/okta/${randomUUID()}`).set('X-Okta-Verification-Challenge', 'x');
      expect(unknown.status).toBe(404);
    });
  });

  describe('a delivery', () => {
    it('with a wrong or missing secret is 401 and logs nothing', async () => {
      const before = await t.runtime.eventLog.lag('ingestor', 'inbound');
      const body = envelope([logEvent('user.lifecycle.create', '2026-12-01T10:00:00.000Z', [user('00uevil', 'evil@acme.io', 'Evil')])]);
      const wrong = await post(body, `${okta.signingSecret}x`);
      expect([wrong.status, wrong.body.error.code]).toEqual([401, 'invalid_signature']);
      expect((await post(body, null)).status).toBe(401);
      await drained();
      expect(await t.runtime.eventLog.lag('ingestor', 'inbound')).toBe(before);
      expect(await person('evil@acme.io')).toBeUndefined();
    });

    it('is answered 204 with an empty body, and its users, groups and memberships are applied', async () => {
      await deliver([
        logEvent('user.lifecycle.create', '2026-12-01T10:00:00.000Z', [ANA]),
        logEvent('user.lifecycle.activate', '2026-12-01T10:00:01.000Z', [ANA]),
        logEvent('user.lifecycle.create', '2026-12-01T10:00:02.000Z', [BO]),
        logEvent('user.lifecycle.activate', '2026-12-01T10:00:03.000Z', [BO]),
        logEvent('group.lifecycle.create', '2026-12-01T10:00:04.000Z', [DATA]),
        logEvent('group.user_membership.add', '2026-12-01T10:00:05.000Z', [ANA, DATA]),
        logEvent('group.user_membership.add', '2026-12-01T10:00:06.000Z', [BO, DATA]),
      ]);
      expect(await person('ana@acme.io')).toMatchObject({ login: 'ana@acme.io', displayName: 'Ana Lima', active: true, status: 'active', oktaId: '00uana' });
      expect(await person('bo@acme.io')).toMatchObject({ active: true, oktaId: '00ubo' });
    });

    it('a delivery with no directory event is kept as ignored, not a dead letter', async () => {
      await deliver([logEvent('user.session.start', '2026-12-01T10:01:00.000Z', [ANA])]);
      const ignored = (await t.http().get(`/v1/ignored-deliveries?connectorId=${okta.id}`).set(auth())).body.items;
      expect(ignored[0]).toMatchObject({ reason: 'no_directory_events', type: 'user.session.start' });
      expect((await t.http().get('/v1/dead-letters').set(auth())).body.items).toEqual([]);
    });

    it('a body that is not an event hook is 422 naming the path, and logs nothing', async () => {
      const res = await post({ data: { events: [{ uuid: 'x', eventType: 'user.lifecycle.create' }] } });
      expect([res.status, res.body.error.code]).toEqual([422, 'validation_failed']);
      expect(res.body.error.details.issues[0].path).toBe('data.events.0.published');
    });
  });

  describe('GET /v1/people and /v1/groups/{id}/members', () => {
    it('searches by login, email or name, paged by cursor', async () => {
      expect((await people('?q=lima')).map((p) => p.login)).toEqual(['ana@acme.io']);
      expect((await people('?q=ACME.IO')).map((p) => p.login)).toEqual(['ana@acme.io', 'bo@acme.io']);
      const first = (await t.http().get('/v1/people?limit=1').set(auth())).body;
      expect(first.items.map((p: { login: string }) => p.login)).toEqual(['ana@acme.io']);
      const second = (await t.http().get(`/v1/people?limit=1&cursor=${first.nextCursor}`).set(auth())).body;
      expect([second.items.map((p: { login: string }) => p.login), second.nextCursor]).toEqual([['bo@acme.io'], null]);
      const bad = await t.http().get('/v1/people?cursor=forged').set(auth());
      expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_cursor']);
    });

    it('lists a group\'s members; an unknown group is 404', async () => {
      const owner = (await t.http().get(`/v1/assets/${enc(CUSTOMERS)}`).set(auth())).body.ownerResolved;
      expect(owner).toMatchObject({ owner: 'Data-Eng', kind: 'group' });
      const groupId = await groupIdOf('data-eng');
      const members = (await t.http().get(`/v1/groups/${groupId}/members`).set(auth())).body;
      expect(members.group).toEqual({ id: groupId, name: 'data-eng' });
      expect(members.items.map((p: { login: string }) => p.login)).toEqual(['ana@acme.io', 'bo@acme.io']);
      expect((await t.http().get(`/v1/groups/${randomUUID()}/members`).set(auth())).status).toBe(404);
      expect((await t.http().get('/v1/groups/nope/members').set(auth())).status).toBe(400);
    });
  });

  describe('the asset view', () => {
    it('resolves the owner to a person, a group\'s members, or unknown', async () => {
      const view = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth())).body.ownerResolved;
      expect(await view(ORDERS)).toMatchObject({ owner: 'ana@acme.io', kind: 'person', people: [{ login: 'ana@acme.io', active: true }] });
      expect((await view(CUSTOMERS)).people.map((p: { login: string }) => p.login)).toEqual(['ana@acme.io', 'bo@acme.io']);
      expect(await view(PAYMENTS)).toEqual({ owner: 'nobody@acme.io', kind: 'unknown', people: [] });
    });
  });

  describe('redelivery and order', () => {
    it('a redelivered event (same uuid) has no second effect', async () => {
      const rename = logEvent('user.account.update_profile', '2026-12-01T11:00:00.000Z', [user('00ubo', 'bo@acme.io', 'Bo Chen-Li')]);
      await deliver([rename]);
      expect((await person('bo@acme.io'))!.displayName).toBe('Bo Chen-Li');
      // a newer change, then Okta redelivers the first one: it must not apply again (its uuid was seen)
      await deliver([logEvent('user.account.update_profile', '2026-12-01T11:05:00.000Z', [user('00ubo', 'bo@acme.io', 'Bo C.')])]);
      await deliver([rename]);
      expect((await person('bo@acme.io'))!.displayName).toBe('Bo C.');
    });

    it('an older event arriving after a newer one does not overwrite the newer state', async () => {
      await deliver([logEvent('user.lifecycle.suspend', '2026-12-01T12:00:00.000Z', [BO])]);
      await deliver([logEvent('user.lifecycle.unsuspend', '2026-12-01T12:10:00.000Z', [BO])]);
      // delivered late: an older suspension
      await deliver([logEvent('user.lifecycle.suspend', '2026-12-01T12:05:00.000Z', [BO])]);
      expect(await person('bo@acme.io')).toMatchObject({ status: 'active', active: true });
      // memberships too: a removal, then an older add delivered late
      const groupId = await groupIdOf('data-eng');
      await deliver([logEvent('group.user_membership.remove', '2026-12-01T12:20:00.000Z', [BO, DATA])]);
      await deliver([logEvent('group.user_membership.add', '2026-12-01T12:15:00.000Z', [BO, DATA])]);
      const members = (await t.http().get(`/v1/groups/${groupId}/members`).set(auth())).body.items.map((p: { login: string }) => p.login);
      expect(members).toEqual(['ana@acme.io']);
    });
  });

  describe('an owner deactivated', () => {
    it('raises asset.owner.deactivated for each asset they own, once', async () => {
      await deliver([logEvent('user.lifecycle.deactivate', '2026-12-01T13:00:00.000Z', [ANA])]);
      const raised = (await changes()).filter((c) => c.type === 'asset.owner.deactivated');
      expect(raised.map((c) => c.subject)).toEqual([ORDERS]);
      expect(raised[0].data).toMatchObject({ owner: 'ana@acme.io', kind: 'person', reason: 'deactivated', person: { login: 'ana@acme.io', active: false } });
      expect(await person('ana@acme.io')).toMatchObject({ active: false, status: 'deactivated' });
      // already inactive: a deletion raises nothing more
      await deliver([logEvent('user.lifecycle.delete.initiated', '2026-12-01T13:05:00.000Z', [ANA])]);
      expect((await changes()).filter((c) => c.type === 'asset.owner.deactivated')).toHaveLength(1);
      expect(await person('ana@acme.io')).toBeUndefined();
    });

    it('a group deleted raises it for the assets the group owns', async () => {
      await deliver([logEvent('group.lifecycle.delete', '2026-12-01T14:00:00.000Z', [DATA])]);
      const raised = (await changes()).filter((c) => c.type === 'asset.owner.deactivated' && c.subject === CUSTOMERS);
      expect(raised).toHaveLength(1);
      expect(raised[0].data).toMatchObject({ owner: 'Data-Eng', kind: 'group', reason: 'deleted' });
      expect((await t.http().get(`/v1/assets/${enc(CUSTOMERS)}`).set(auth())).body.ownerResolved.kind).toBe('unknown');
    });

    it('a rule may trigger on it', async () => {
      const res = await t.http().post('/v1/rules').set(auth()).send({ name: 'orphaned', trigger: ['asset.owner.deactivated'],
        action: { type: 'propagate_attribute', attribute: 'upstreamOrphaned', aggregate: 'list', maxDepth: 5, when: 'true', value: 'source.qualifiedName' } });
      expect(res.status).toBe(201);
    });
  });

  describe('tenancy', () => {
    it('another tenant\'s key never reads this directory, and its connector never writes it', async () => {
      const created = await t.http().post('/v1/tenants').set(auth()).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201);
      const other = { Authorization: `Bearer ${created.body.adminKey}` };
      expect((await t.http().get('/v1/people').set(other)).body.items).toEqual([]);
      const made = await t.http().post('/scim/v2/Groups').set('Authorization', `Bearer ${okta.scimToken}`).send({ displayName: 'ours' }).expect(201);
      const groupId = made.body.id as string;
      expect((await t.http().get(`/v1/groups/${groupId}/members`).set(auth())).status).toBe(200);
      expect((await t.http().get(`/v1/groups/${groupId}/members`).set(other)).status).toBe(404);
      const theirs = (await t.http().post('/v1/connectors').set(other).send({ type: 'okta', name: 'okta', config: {} }).expect(201)).body as Connector;
      // their connector's secret does not open ours, and what it delivers lands in their directory only
      expect((await post(envelope([logEvent('user.lifecycle.create', '2026-12-02T00:00:00.000Z', [user('00uz', 'zed@other.io', 'Zed')])]), theirs.signingSecret)).status).toBe(401);
      const res = await post(envelope([logEvent('user.lifecycle.activate', '2026-12-02T00:00:00.000Z', [user('00uz', 'zed@other.io', 'Zed')])]), theirs.signingSecret, theirs);
      expect(res.status).toBe(204);
      await drained();
      expect((await t.http().get('/v1/people').set(other)).body.items.map((p: { login: string }) => p.login)).toEqual(['zed@other.io']);
      expect(await person('zed@other.io')).toBeUndefined();
    });
  });

  describe('a delivery that cannot be applied', () => {
    it('is parked as a dead letter with its reason, and changes nothing', async () => {
      // another Okta user claiming a login a person of the directory holds
      await deliver([logEvent('user.lifecycle.activate', '2026-12-03T00:00:00.000Z', [user('00uimpostor', 'bo@acme.io', 'Impostor')])]);
      const letters = (await t.http().get('/v1/dead-letters').set(auth())).body.items as { reason: string }[];
      expect(letters).toHaveLength(1);
      expect(letters[0].reason).toMatch(/directory could not be applied: login "bo@acme.io" belongs to another Okta user/);
      expect(await person('bo@acme.io')).toMatchObject({ oktaId: '00ubo', displayName: 'Bo Chen', status: 'active' });
    });
  });

  /** A group's id, read through SCIM (the directory API lists members by group id). */
  async function groupIdOf(name: string): Promise<string> {
    const res = await t.http().get(`/scim/v2/Groups?filter=${enc(`displayName eq "${name}"`)}`).set('Authorization', `Bearer ${okta.scimToken}`);
    return res.body.Resources[0].id;
  }
});
