import { platformApp } from '../../apps/platform/src/platform.app';
import { OktaFake, OktaFakeGroup, OktaFakeUser, startOktaFake } from '../support/fakes/okta-fake';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const RANGE = { since: '2026-01-01T00:00:00Z', until: '2026-12-01T00:00:00Z' };

/** 450 users (three pages of Okta's 200), 3 groups; the first group has 250 members (two pages). */
function directory(): { users: OktaFakeUser[]; groups: OktaFakeGroup[] } {
  const users = Array.from({ length: 450 }, (_, i): OktaFakeUser => ({
    id: `00u${String(i).padStart(4, '0')}`, status: i === 7 ? 'DEPROVISIONED' : i === 8 ? 'SUSPENDED' : 'ACTIVE',
    login: `user${i}@acme.io`, email: `user${i}@acme.io`, firstName: `User`, lastName: `${i}`, lastUpdated: '2026-11-01T00:00:00.000Z',
  }));
  const groups: OktaFakeGroup[] = [
    { id: '00gall', name: 'everyone-250', members: users.slice(0, 250).map((u) => u.id), lastUpdated: '2026-11-01T00:00:00.000Z' },
    { id: '00gdata', name: 'data-eng', members: ['00u0001', '00u0002'], lastUpdated: '2026-11-01T00:00:00.000Z' },
    { id: '00gempty', name: 'empty', members: [], lastUpdated: '2026-11-01T00:00:00.000Z' },
  ];
  return { users, groups };
}

describe('Okta backfill through the management API', () => {
  let t: TestApp;
  let fake: OktaFake;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const progress = async (id: string) => (await t.http().get(`/v1/backfills/${id}`).set(auth())).body;
  const finished = (id: string) => waitFor('the backfill to finish', async () => {
    const p = await progress(id);
    return p.status === 'succeeded' || p.status === 'failed' ? p : undefined;
  }, 60_000);
  const drained = () => waitFor('the ingestor to drain', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined), 60_000);
  const scimGroups = async (token: string) => (await t.http().get('/scim/v2/Groups?count=200').set('Authorization', `Bearer ${token}`)).body.Resources as { id: string; displayName: string }[];

  beforeAll(async () => {
    fake = await startOktaFake(directory());
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('reads every user, group and membership across pages, waiting out a 429, and fills the directory', async () => {
    const c = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'okta', name: 'okta', config: { api: { orgUrl: fake.orgUrl, apiToken: fake.apiToken } } }).expect(201)).body;
    const secrets = (await t.http().get(`/v1/connectors/${c.id}`).set(auth())).body;
    expect(JSON.stringify(secrets)).not.toContain(fake.apiToken);
    fake.rateLimitNext(1, 1);

    const created = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: c.id, ...RANGE });
    expect(created.status).toBe(202);
    const done = await finished(created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', rateLimited: 1 });
    // users: 3 pages; groups: 1; members: 2 pages of the first group, 1 each of the others; plus the one 429
    const answered = fake.requests.map((r) => [r.status, new URL(r.path, 'http://x').pathname]);
    expect(answered[0]).toEqual([429, '/api/v1/users']);
    expect(answered.filter(([s, p]) => s === 200 && p === '/api/v1/users')).toHaveLength(3);
    expect(answered.filter(([s, p]) => s === 200 && p === '/api/v1/groups/00gall/users')).toHaveLength(2);
    expect(fake.requests.every((r) => r.authorization === `SSWS ${fake.apiToken}`)).toBe(true);
    // the next pages were the ones the Link headers named
    expect(fake.requests.filter((r) => r.status === 200 && r.path.includes('after=')).map((r) => new URL(r.path, 'http://x').searchParams.get('after')))
      .toEqual(['00u0199', '00u0399', '00u0199']);

    await drained();
    const everyone = (await t.http().get('/v1/people?limit=500').set(auth())).body.items as { login: string; status: string; active: boolean; oktaId: string }[];
    expect(everyone).toHaveLength(450);
    expect(everyone.find((p) => p.oktaId === '00u0007')).toMatchObject({ status: 'deactivated', active: false });
    expect(everyone.find((p) => p.oktaId === '00u0008')).toMatchObject({ status: 'suspended', active: false });
    const groups = await scimGroups(c.scimToken);
    expect(groups.map((g) => g.displayName).sort()).toEqual(['data-eng', 'empty', 'everyone-250']);
    const all = groups.find((g) => g.displayName === 'everyone-250')!;
    const page = (await t.http().get(`/v1/groups/${all.id}/members?limit=500`).set(auth())).body.items;
    expect(page).toHaveLength(250);
    const data = groups.find((g) => g.displayName === 'data-eng')!;
    expect((await t.http().get(`/v1/groups/${data.id}/members`).set(auth())).body.items.map((p: { login: string }) => p.login))
      .toEqual(['user1@acme.io', 'user2@acme.io']);
  });

  it('a backfill does not overwrite what a newer hook event said', async () => {
    const c = (await t.http().get('/v1/connectors').set(auth())).body.items[0];
    const envelope = { data: { events: [{ uuid: 'evt-newer', published: '2026-11-20T00:00:00.000Z', eventType: 'user.lifecycle.deactivate',
      target: [{ id: '00u0003', type: 'User', alternateId: 'user3@acme.io', displayName: 'User 3' }] }] } };
    const secret = (await t.http().patch(`/v1/connectors/${c.id}`).set(auth()).send({ rotateSigningSecret: true }).expect(200)).body.signingSecret;
    await t.http().post(`/v1/hooks/okta/${c.id}`).set({ 'Content-Type': 'application/json', Authorization: secret }).send(JSON.stringify(envelope)).expect(204);
    await drained();
    const again = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: c.id, ...RANGE }).expect(202);
    expect(await finished(again.body.id)).toMatchObject({ status: 'succeeded' });
    await drained();
    const user3 = (await t.http().get('/v1/people?q=user3@acme.io').set(auth())).body.items[0];
    // Okta's list says ACTIVE as of 2026-11-01; the hook's deactivation of 2026-11-20 is newer and stays
    expect(user3).toMatchObject({ login: 'user3@acme.io', status: 'deactivated' });
  });

  it('a wrong API token fails the backfill with Okta\'s refusal, and writes nothing', async () => {
    const c = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'okta', name: 'bad-token', config: { api: { orgUrl: fake.orgUrl, apiToken: 'wrong' } } }).expect(201)).body;
    const before = (await t.http().get('/v1/changes?limit=1').set(auth())).body.next;
    const created = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: c.id, ...RANGE }).expect(202);
    const done = await finished(created.body.id);
    expect(done.status).toBe('failed');
    expect(done.lastError).toMatch(/okta_unauthorized/);
    expect(done.lastError).not.toContain('wrong');
    expect(fake.requests.at(-1)).toMatchObject({ status: 401 });
    expect((await t.http().get('/v1/changes?limit=1').set(auth())).body.next).toBe(before);
  });

  it('testing the connector reads the first page of users; a refused token or a 429 is a failed test, not an error', async () => {
    const [good, bad] = (await t.http().get('/v1/connectors').set(auth())).body.items as { id: string; name: string }[];
    expect([good.name, bad.name]).toEqual(['okta', 'bad-token']);
    const ok = await t.http().post(`/v1/connectors/${good.id}/test`).set(auth());
    expect([ok.status, ok.body]).toEqual([200, { ok: true, detail: 'read the source: 200 record(s) on the first page' }]);
    const refused = await t.http().post(`/v1/connectors/${bad.id}/test`).set(auth());
    expect([refused.status, refused.body.ok, refused.body.detail]).toEqual([200, false, expect.stringMatching(/^okta_unauthorized/)]);
    fake.rateLimitNext(1, 30);
    const limited = await t.http().post(`/v1/connectors/${good.id}/test`).set(auth());
    expect([limited.status, limited.body.ok, limited.body.detail]).toEqual([200, false, expect.stringMatching(/rate limited by the source/)]);
  });

  it('a connector without API credentials cannot be backfilled (422)', async () => {
    const c = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'okta', name: 'hooks-only', config: {} }).expect(201)).body;
    const res = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: c.id, ...RANGE });
    expect([res.status, res.body.error.code]).toEqual([422, 'no_history']);
  });
});
