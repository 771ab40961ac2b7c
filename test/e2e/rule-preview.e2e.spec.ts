import { platformApp } from '../../apps/platform/src/platform.app';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * raw → staged → mart → report (a Dashboard), and raw → audit; `raw` carries a direct PII tag that
 * propagates and an owner. The api process alone: no propagator runs, so what the store holds is
 * exactly what the test wrote, and a preview that wrote anything would show.
 */
describe('Rule preview (POST /v1/rules/preview)', () => {
  let t: TestApp;
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const preview = (rule: Record<string, unknown>, key?: string) => t.http().post('/v1/rules/preview').set(auth(key)).send({ rule });
  const tagRule = (action: Record<string, unknown> = {}) => ({ name: 'pii', trigger: ['asset.classification.added'],
    action: { type: 'propagate_classification', names: ['PII'], ...action } });
  const ownerRule = { name: 'owner', trigger: ['asset.updated'],
    action: { type: 'propagate_attribute', attribute: 'upstreamOwner', when: '"owner" in source.attributes', value: 'source.attributes.owner' } };
  const summary = (body: { changes: { qualifiedName: string; change: { type: string; after: Record<string, unknown> } }[] }) =>
    body.changes.map((c) => [c.qualifiedName, c.change.type, c.change.after]);

  beforeAll(async () => {
    t = await startTestApp();
    const assets = [['raw', 'Table', { owner: 'alice' }], ['staged', 'Table', {}], ['mart', 'Table', {}], ['report', 'Dashboard', {}], ['audit', 'Table', {}]];
    await t.http().put('/v1/assets').set(auth()).send({ assets: assets.map(([qualifiedName, typeName, attributes]) => ({ qualifiedName, typeName, attributes })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [['raw', 'staged'], ['staged', 'mart'], ['mart', 'report'], ['raw', 'audit']]
      .map(([from, to]) => ({ from, to })) }).expect(200);
    await t.http().post(`/v1/assets/${enc('raw')}/classifications`).set(auth()).send({ name: 'PII', propagate: true }).expect(200);
  });
  afterAll(async () => { await t.close(); });

  it('lists the tag each downstream asset would get, with its provenance and depth, in name order', async () => {
    const res = await preview(tagRule());
    expect(res.status).toBe(200);
    const tag = (depth: number) => ({ name: 'PII', propagate: true, source: 'propagated', propagatedFrom: 'raw', depth });
    expect(summary(res.body)).toEqual([
      ['audit', 'asset.classification.added', tag(1)], ['mart', 'asset.classification.added', tag(2)],
      ['report', 'asset.classification.added', tag(3)], ['staged', 'asset.classification.added', tag(1)]]);
    expect(res.body.total).toBe(4);
  });

  it('honours the rule\'s reach: its depth and the types that receive', async () => {
    expect(summary((await preview(tagRule({ maxDepth: 1 }))).body).map(([qn]) => qn)).toEqual(['audit', 'staged']);
    expect(summary((await preview(tagRule({ typeNames: ['Dashboard'] }))).body).map(([qn]) => qn)).toEqual(['report']);
    expect((await preview(tagRule({ names: ['GDPR'] }))).body).toEqual({ changes: [], total: 0 });
  });

  it('shows an attribute rule\'s derived values before and after', async () => {
    const res = await preview(ownerRule);
    expect(res.status).toBe(200);
    expect(res.body.changes.find((c: { qualifiedName: string }) => c.qualifiedName === 'report')).toEqual({ qualifiedName: 'report',
      change: { type: 'asset.updated', before: { derivedAttributes: {} }, after: { derivedAttributes: { upstreamOwner: 'alice' } } } });
    expect(res.body.total).toBe(4);
  });

  it('writes nothing: no change event, no rule, no tag', async () => {
    const head = async () => (await t.http().get('/v1/changes?after=0&limit=1000').set(auth())).body.next;
    const before = await head();
    const rules = (await t.http().get('/v1/rules').set(auth())).body.items.length;
    await preview(tagRule()).expect(200);
    await preview(ownerRule).expect(200);
    expect(await head()).toBe(before);
    expect((await t.http().get('/v1/rules').set(auth())).body.items.length).toBe(rules);
    const staged = (await t.http().get(`/v1/assets/${enc('staged')}`).set(auth())).body;
    expect(staged.classifications).toEqual([]);
    expect(staged.derivedAttributes ?? {}).toEqual({});
  });

  it('lists the first 100 changes and counts them all', async () => {
    const fan = Array.from({ length: 130 }, (_, i) => `fan-${String(i).padStart(3, '0')}`);
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'hub', typeName: 'Table' }, ...fan.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' }))] }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: fan.map((to) => ({ from: 'hub', to })) }).expect(200);
    await t.http().post(`/v1/assets/${enc('hub')}/classifications`).set(auth()).send({ name: 'Finance', propagate: true }).expect(200);
    const res = await preview(tagRule({ names: ['Finance'] }));
    expect(res.body.total).toBe(130);
    expect(res.body.changes).toHaveLength(100);
    expect(res.body.changes.map((c: { qualifiedName: string }) => c.qualifiedName)).toEqual(fan.slice(0, 100));
  });

  it('refuses a broken expression with its position, as saving would (422)', async () => {
    const res = await preview({ ...ownerRule, action: { ...ownerRule.action, value: 'source.attributes.owner +' } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_expression', details: { field: 'action.value', position: expect.any(Number) } });
  });

  it('refuses a notify rule, which changes no asset (422), and a body without a rule (422)', async () => {
    const res = await preview({ name: 'tell', trigger: ['incident.opened'], action: { type: 'notify', connectorId: '00000000-0000-4000-8000-000000000000' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('nothing_to_preview');
    expect((await t.http().post('/v1/rules/preview').set(auth()).send({ name: 'x' })).status).toBe(422);
  });

  it('is for stewards: a viewer key is refused (403)', async () => {
    const viewer = (await t.http().post('/v1/api-keys').set(auth()).send({ name: 'v', roles: ['viewer'] }).expect(201)).body.key;
    expect((await preview(tagRule(), viewer)).status).toBe(403);
  });
});

/** The whole platform: a rule saved after its preview makes the changes the preview listed, no more, no fewer. */
describe('Rule preview against what the engine then does', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const changesAfter = async (after: number) => (await t.http().get(`/v1/changes?after=${after}&limit=1000`).set(auth())).body as
    { items: { type: string; subject: string; origin: string; data: { after: unknown } }[]; next: number };

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    const names = ['src', 'a1', 'a2', 'b1', 'view'];
    await t.http().put('/v1/assets').set(auth()).send({ assets: names.map((qualifiedName) => ({ qualifiedName, typeName: qualifiedName === 'view' ? 'View' : 'Table',
      attributes: qualifiedName === 'src' ? { domain: 'sales' } : qualifiedName === 'a2' ? { domain: 'finance' } : {} })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [['src', 'a1'], ['a1', 'a2'], ['a2', 'b1'], ['src', 'view'], ['view', 'b1']]
      .map(([from, to]) => ({ from, to })) }).expect(200);
  });
  afterAll(async () => { await t.close(); });

  // The engine applies each source's propagation on its own, so an asset two sources reach may be
  // written twice on the way (first one source's value, then both): the preview gives where it ends.
  it('lists exactly the assets the saved rule changes, each with the values it ends with', async () => {
    const rule = { name: 'domains', trigger: ['asset.updated'],
      action: { type: 'propagate_attribute', attribute: 'upstreamDomains', aggregate: 'list', when: '"domain" in source.attributes', value: 'source.attributes.domain' } };
    const predicted = (await t.http().post('/v1/rules/preview').set(auth()).send({ rule }).expect(200)).body;
    const start = (await changesAfter(0)).next;
    const saved = (await t.http().post('/v1/rules').set(auth()).send(rule).expect(201)).body;
    const expected = new Map((predicted.changes as { qualifiedName: string; change: { type: string; after: unknown } }[])
      .map((c) => [`${c.qualifiedName} ${c.change.type}`, c.change.after]));
    const endState = async () => {
      const last = new Map<string, unknown>();
      for (const e of (await changesAfter(start)).items.filter((x) => x.origin === `rule:${saved.id}`)) last.set(`${e.subject} ${e.type}`, e.data.after);
      return last;
    };
    await waitFor('the rule\'s writes to settle where the preview said', async () => {
      const last = await endState();
      return [...expected].every(([k, v]) => JSON.stringify(last.get(k)) === JSON.stringify(v)) || undefined;
    });
    // a moment more: a write beyond the prediction would show
    await new Promise((r) => setTimeout(r, 1000));
    expect(Object.fromEntries(await endState())).toEqual(Object.fromEntries(expected));
    expect(predicted.total).toBe(4);
  });
});
