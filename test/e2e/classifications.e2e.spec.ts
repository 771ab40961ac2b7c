import { enc, startTestApp, TestApp } from '../support/test-app';

describe('Classifications API', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const tag = (qn: string, body: unknown) => t.http().post(`/v1/assets/${enc(qn)}/classifications`).set(auth()).send(body as object);
  const untag = (qn: string, name: string) => t.http().delete(`/v1/assets/${enc(qn)}/classifications/${enc(name)}`).set(auth());
  const view = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth())).body;

  beforeAll(async () => {
    t = await startTestApp();
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'tbl', typeName: 'Table' }] });
  });
  afterAll(async () => { await t.close(); });

  it('adds a direct tag (propagate by default) and returns the new asset version', async () => {
    const res = await tag('tbl', { name: 'PII' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: 2 });
    expect((await view('tbl')).classifications).toEqual([{ name: 'PII', propagate: true, source: 'direct' }]);
  });

  it('adding the same tag again changes nothing; changing its propagate flag is a new version', async () => {
    expect((await tag('tbl', { name: 'PII' })).body).toEqual({ version: 2 });
    expect((await tag('tbl', { name: 'PII', propagate: false })).body).toEqual({ version: 3 });
    expect((await view('tbl')).classifications).toEqual([{ name: 'PII', propagate: false, source: 'direct' }]);
  });

  it('removes a direct tag', async () => {
    await tag('tbl', { name: 'Finance' });
    const res = await untag('tbl', 'Finance');
    expect(res.status).toBe(200);
    expect((await view('tbl')).classifications.map((c: { name: string }) => c.name)).toEqual(['PII']);
  });

  it('records each change in the change feed with before and after', async () => {
    const feed = (await t.http().get('/v1/changes?limit=100').set(auth())).body.items
      .filter((e: { type: string }) => e.type.startsWith('asset.classification'))
      .map((e: { type: string; data: { source: string; after: unknown; before: unknown } }) => [e.type, e.data.source, e.data.before, e.data.after]);
    expect(feed).toEqual([
      ['asset.classification.added', 'direct', null, { name: 'PII', propagate: true, source: 'direct' }],
      ['asset.classification.removed', 'direct', { name: 'PII', propagate: true, source: 'direct' }, null],
      ['asset.classification.added', 'direct', null, { name: 'PII', propagate: false, source: 'direct' }],
      ['asset.classification.added', 'direct', null, { name: 'Finance', propagate: true, source: 'direct' }],
      ['asset.classification.removed', 'direct', { name: 'Finance', propagate: true, source: 'direct' }, null],
    ]);
  });

  describe('bad input', () => {
    it('a tag on an unknown asset is 404', async () => {
      expect((await tag('nope', { name: 'PII' })).body.error.code).toBe('asset_not_found');
    });

    it('removing a tag the asset does not have is 404', async () => {
      const res = await untag('tbl', 'Never');
      expect([res.status, res.body.error.code]).toEqual([404, 'classification_not_found']);
    });

    it('an invalid name or an unknown field is 422 and changes nothing', async () => {
      const before = await view('tbl');
      for (const body of [{ name: '' }, { name: '<script>' }, { name: 'ok', colour: 1 }, { propagate: true }]) {
        const res = await tag('tbl', body);
        expect([res.status, res.body.error.code]).toEqual([422, 'validation_failed']);
      }
      expect(await view('tbl')).toEqual(before);
    });
  });
});
