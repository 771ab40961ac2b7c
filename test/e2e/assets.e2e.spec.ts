import { enc, startTestApp, TestApp } from '../support/test-app';

describe('Assets API', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  describe('PUT /v1/assets', () => {
    it('creates assets, then updates only what changed', async () => {
      const put = (assets: unknown[]) => t.http().put('/v1/assets').set(auth()).send({ assets });
      const first = await put([{ qualifiedName: 'sf/acme/RAW/ORDERS', typeName: 'Table', attributes: { description: 'raw' } }]);
      expect(first.status).toBe(200);
      expect(first.body.results).toEqual([{ qualifiedName: 'sf/acme/RAW/ORDERS', version: 1, created: true }]);

      const same = await put([{ qualifiedName: 'sf/acme/RAW/ORDERS', typeName: 'Table', attributes: { description: 'raw' } }]);
      expect(same.body.results).toEqual([{ qualifiedName: 'sf/acme/RAW/ORDERS', version: 1, created: false }]);

      const changed = await put([{ qualifiedName: 'sf/acme/RAW/ORDERS', typeName: 'Table', attributes: { owner: 'ann' } }]);
      expect(changed.body.results[0].version).toBe(2);
      const view = await t.http().get(`/v1/assets/${enc('sf/acme/RAW/ORDERS')}`).set(auth());
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ qualifiedName: 'sf/acme/RAW/ORDERS', typeName: 'Table', version: 2,
        attributes: { description: 'raw', owner: 'ann' }, classifications: [], incidents: [],
        health: { status: 'healthy', openIncidents: 0, upstreamOpenIncidents: 0 } });
    });
  });
});
