import { apiApp } from '../../apps/api/src/api.app';
import { enc, startTestApp, TestApp } from '../support/test-app';

const SCIM = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';

/** A user as Okta's provisioning creates it. */
const oktaUser = (login: string, first: string, last: string) => ({
  schemas: [USER], userName: login, name: { givenName: first, familyName: last }, displayName: `${first} ${last}`,
  emails: [{ primary: true, value: login, type: 'work' }], externalId: `00u${first.toLowerCase()}`, groups: [], active: true,
});

describe('SCIM 2.0 provisioning', () => {
  let t: TestApp;
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const scim = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: unknown, bearer = token) => {
    const req = t.http()[method](`/scim/v2${path}`).set('Authorization', `Bearer ${bearer}`).set('Accept', SCIM);
    return body === undefined ? req : req.set('Content-Type', SCIM).send(JSON.stringify(body));
  };
  const changes = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { type: string; subject: string; origin: string; data: Record<string, unknown> }[];

  beforeAll(async () => {
    t = await startTestApp({ parts: apiApp });
    const created = await t.http().post('/v1/connectors').set(auth()).send({ type: 'okta', name: 'okta', config: {} }).expect(201);
    token = created.body.scimToken;
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: ORDERS, typeName: 'Table', attributes: { owner: 'ana@acme.io' } }] }).expect(200);
  });
  afterAll(async () => { await t.close(); });

  describe('authentication', () => {
    it('refuses a missing, wrong or forged token with 401 in SCIM\'s error format', async () => {
      for (const bearer of ['', 'nope', token.slice(0, -2) + 'xx', t.adminKey]) {
        const res = await scim('get', '/Users', undefined, bearer);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
        expect(res.body).toMatchObject({ schemas: [ERROR], status: '401' });
      }
    });

    it('a disabled connector\'s token is 403', async () => {
      const c = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'okta', name: 'off', config: {} }).expect(201)).body;
      await t.http().patch(`/v1/connectors/${c.id}`).set(auth()).send({ enabled: false }).expect(200);
      const res = await scim('get', '/Users', undefined, c.scimToken);
      expect([res.status, res.body.status]).toEqual([403, '403']);
    });
  });

  describe('Users', () => {
    let ana: { id: string };

    it('creates a user: 201 with its id, in SCIM\'s content type', async () => {
      const res = await scim('post', '/Users', oktaUser('ana@acme.io', 'Ana', 'Lima'));
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.body).toMatchObject({ schemas: [USER], userName: 'ana@acme.io', active: true, externalId: '00uana',
        name: { givenName: 'Ana', familyName: 'Lima' }, emails: [{ value: 'ana@acme.io', primary: true }], meta: { resourceType: 'User' } });
      ana = res.body;
      expect((await scim('get', `/Users/${ana.id}`)).body).toEqual(res.body);
    });

    it('a duplicate userName is 409 uniqueness, and changes nothing', async () => {
      const res = await scim('post', '/Users', oktaUser('ANA@acme.io', 'Other', 'Person'));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
      expect((await scim('get', '/Users')).body.totalResults).toBe(1);
    });

    it('the same userName created by several requests at once: one 201, the others 409 uniqueness', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => scim('post', '/Users', oktaUser('race@acme.io', 'Race', 'X'))));
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      expect(answers.filter((r) => r.status === 409).every((r) => r.body.scimType === 'uniqueness')).toBe(true);
      const created = answers.find((r) => r.status === 201)!;
      expect((await scim('delete', `/Users/${created.body.id}`)).status).toBe(204);
    });

    it('a body without userName is 400 invalidValue', async () => {
      const res = await scim('post', '/Users', { schemas: [USER], name: { givenName: 'X' } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    });

    it('lists with filter userName eq, and pages by startIndex and count', async () => {
      for (const [login, first] of [['bo@acme.io', 'Bo'], ['cy@acme.io', 'Cy'], ['di@acme.io', 'Di']]) {
        expect((await scim('post', '/Users', oktaUser(login, first, 'X'))).status).toBe(201);
      }
      const found = (await scim('get', `/Users?filter=${enc('userName eq "bo@acme.io"')}&startIndex=1&count=100`)).body;
      expect(found).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(found.Resources[0].userName).toBe('bo@acme.io');
      const none = (await scim('get', `/Users?filter=${enc('userName eq "zed@acme.io"')}`)).body;
      expect([none.totalResults, none.Resources]).toEqual([0, []]);
      const page2 = (await scim('get', '/Users?startIndex=2&count=2')).body;
      expect(page2).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
      expect(page2.Resources.map((u: { userName: string }) => u.userName)).toEqual(['bo@acme.io', 'cy@acme.io']);
    });

    it('an unsupported filter is 400 invalidFilter', async () => {
      for (const filter of ['userName sw "a"', 'emails.value eq "ana@acme.io"', 'userName eq "a" or userName eq "b"', 'garbage']) {
        const res = await scim('get', `/Users?filter=${enc(filter)}`);
        expect([res.status, res.body.scimType, res.body.status]).toEqual([400, 'invalidFilter', '400']);
      }
    });

    it('PUT replaces the user', async () => {
      const res = await scim('put', `/Users/${ana.id}`, { ...oktaUser('ana@acme.io', 'Ana', 'Lima-Silva'), id: ana.id });
      expect(res.status).toBe(200);
      expect(res.body.name).toEqual({ givenName: 'Ana', familyName: 'Lima-Silva' });
    });

    it('PATCH replace with a path changes one attribute', async () => {
      const res = await scim('patch', `/Users/${ana.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Ana L.' }] });
      expect([res.status, res.body.displayName, res.body.active]).toEqual([200, 'Ana L.', true]);
    });

    it('PATCH {"op":"replace","value":{"active":false}} deactivates, and the assets Ana owns raise asset.owner.deactivated', async () => {
      const res = await scim('patch', `/Users/${ana.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
      expect([res.status, res.body.active]).toEqual([200, false]);
      const raised = (await changes()).filter((c) => c.type === 'asset.owner.deactivated');
      expect(raised.map((c) => [c.subject, c.origin])).toEqual([[ORDERS, expect.stringMatching(/^scim:/)]]);
      const view = (await t.http().get(`/v1/assets/${enc(ORDERS)}`).set(auth())).body.ownerResolved;
      expect(view).toMatchObject({ kind: 'person', people: [{ login: 'ana@acme.io', active: false }] });
      // reactivated, then deactivated again: raised again; the same deactivation twice: not
      await scim('patch', `/Users/${ana.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: true }] }).expect(200);
      await scim('patch', `/Users/${ana.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
      await scim('patch', `/Users/${ana.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
      expect((await changes()).filter((c) => c.type === 'asset.owner.deactivated')).toHaveLength(2);
    });

    it('a PatchOp without its schema or with an unknown path is 400, and changes nothing', async () => {
      const noSchema = await scim('patch', `/Users/${ana.id}`, { Operations: [{ op: 'replace', value: { active: true } }] });
      expect([noSchema.status, noSchema.body.scimType]).toEqual([400, 'invalidValue']);
      const badPath = await scim('patch', `/Users/${ana.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'x509Certificates', value: [] }] });
      expect([badPath.status, badPath.body.scimType]).toEqual([400, 'invalidPath']);
      expect((await scim('get', `/Users/${ana.id}`)).body.active).toBe(false);
    });

    it('an unknown id is 404 in SCIM\'s format', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await scim('get', `/Users/${id}`);
        expect([res.status, res.body.status, res.body.schemas]).toEqual([404, '404', [ERROR]]);
      }
    });
  });

  describe('Groups', () => {
    let ids: Record<string, string>;
    let group: { id: string };

    beforeAll(async () => {
      const users = (await scim('get', '/Users')).body.Resources as { id: string; userName: string }[];
      ids = Object.fromEntries(users.map((u) => [u.userName.split('@')[0], u.id]));
    });

    it('creates a group with members, and lists it by displayName eq', async () => {
      const res = await scim('post', '/Groups', { schemas: [GROUP], displayName: 'data-eng', members: [{ value: ids.bo }] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ schemas: [GROUP], displayName: 'data-eng', members: [{ value: ids.bo, display: 'bo@acme.io' }] });
      group = res.body;
      const listed = (await scim('get', `/Groups?filter=${enc('displayName eq "data-eng"')}`)).body;
      expect([listed.totalResults, listed.Resources[0].id]).toEqual([1, group.id]);
      expect((await scim('post', '/Groups', { schemas: [GROUP], displayName: 'Data-Eng' })).body.scimType).toBe('uniqueness');
      expect((await scim('get', `/Groups?filter=${enc('externalId eq "x"')}`)).body.scimType).toBe('invalidFilter');
    });

    it('PATCH adds members, and removes one by members[value eq "id"]', async () => {
      const added = await scim('patch', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: ids.cy }, { value: ids.di }] }] });
      expect(added.body.members.map((m: { display: string }) => m.display)).toEqual(['bo@acme.io', 'cy@acme.io', 'di@acme.io']);
      const removed = await scim('patch', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${ids.cy}"]` }] });
      expect(removed.body.members.map((m: { display: string }) => m.display)).toEqual(['bo@acme.io', 'di@acme.io']);
      const members = (await t.http().get(`/v1/groups/${group.id}/members`).set(auth())).body.items.map((p: { login: string }) => p.login);
      expect(members).toEqual(['bo@acme.io', 'di@acme.io']);
    });

    it('an unknown member is 400 and changes nothing', async () => {
      const res = await scim('patch', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }] });
      expect([res.status, res.body.scimType]).toEqual([400, 'invalidValue']);
      expect((await scim('get', `/Groups/${group.id}`)).body.members).toHaveLength(2);
    });

    it('PATCH renames; PUT replaces the members', async () => {
      const renamed = await scim('patch', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: group.id, displayName: 'data-platform' } }] });
      expect(renamed.body.displayName).toBe('data-platform');
      const put = await scim('put', `/Groups/${group.id}`, { schemas: [GROUP], displayName: 'data-platform', members: [{ value: ids.cy }] });
      expect(put.body.members.map((m: { display: string }) => m.display)).toEqual(['cy@acme.io']);
    });

    it('DELETE removes the group: 204, then 404', async () => {
      expect((await scim('delete', `/Groups/${group.id}`)).status).toBe(204);
      expect((await scim('get', `/Groups/${group.id}`)).status).toBe(404);
      expect((await t.http().get(`/v1/groups/${group.id}/members`).set(auth())).status).toBe(404);
    });
  });

  describe('tenancy', () => {
    it('a token of another tenant\'s connector never reads or writes this tenant\'s directory', async () => {
      const other = (await t.http().post('/v1/tenants').set(auth()).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201)).body;
      const theirs = (await t.http().post('/v1/connectors').set({ Authorization: `Bearer ${other.adminKey}` })
        .send({ type: 'okta', name: 'okta', config: {} }).expect(201)).body.scimToken as string;
      expect((await scim('get', '/Users', undefined, theirs)).body.totalResults).toBe(0);
      const anaId = (await scim('get', `/Users?filter=${enc('userName eq "ana@acme.io"')}`)).body.Resources[0].id;
      expect((await scim('get', `/Users/${anaId}`, undefined, theirs)).status).toBe(404);
      expect((await scim('patch', `/Users/${anaId}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] }, theirs)).status).toBe(404);
      // the same userName is free in their directory
      expect((await scim('post', '/Users', oktaUser('ana@acme.io', 'Ana', 'Other'), theirs)).status).toBe(201);
      expect((await scim('get', `/Users/${anaId}`)).body.name.familyName).toBe('Lima-Silva');
    });
  });
});
