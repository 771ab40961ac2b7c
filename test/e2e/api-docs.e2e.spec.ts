import { startTestApp, TestApp } from '../support/test-app';

describe('API description', () => {
  let t: TestApp;

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('serves the OpenAPI document at /docs/openapi.json, without credentials', async () => {
    const res = await t.http().get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ title: 'Tributary API', version: 'v1' });
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/assets', '/v1/hooks/{connectorType}/{connectorId}']));
  });

  it('serves the interactive documentation at /docs, with its assets', async () => {
    const page = await t.http().get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const script = /src="\.?\/?(?:docs\/)?([\w.-]+\.js)"/.exec(page.text);
    expect(script).not.toBeNull();
    const asset = await t.http().get(`/docs/${script![1]}`);
    expect(asset.status).toBe(200);
    expect(asset.text.length).toBeGreaterThan(1000);
  });
});
