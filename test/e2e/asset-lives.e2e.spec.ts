import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { settled } from '../support/propagation';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

type Tag = { name: string; source: string; propagatedFrom?: string; depth?: number };
type Change = { sequence: number; type: string; subject: string; data: Record<string, unknown> };

describe('An asset deleted and created again', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const put = (...assets: Record<string, unknown>[]) =>
    t.http().put('/v1/assets').set(auth()).send({ assets: assets.map((a) => ({ typeName: 'Table', ...a })) }).expect(200);
  const remove = (qn: string) => t.http().delete(`/v1/assets/${enc(qn)}`).set(auth()).expect(200);
  const link = (...pairs: [string, string][]) => t.http().put('/v1/lineage').set(auth()).send({ edges: pairs.map(([from, to]) => ({ from, to })) }).expect(200);
  const tag = (qn: string, name: string) => t.http().post(`/v1/assets/${enc(qn)}/classifications`).set(auth()).send({ name, propagate: true }).expect(200);
  const get = (qn: string, query = '') => t.http().get(`/v1/assets/${enc(qn)}${query}`).set(auth());
  const tags = async (qn: string) => ((await get(qn).expect(200)).body.classifications as Tag[])
    .map((c) => (c.source === 'direct' ? c.name : `${c.name}<-${c.propagatedFrom}@${c.depth}`)).sort();
  const changesSince = async (after: number) => (await t.http().get(`/v1/changes?after=${after}&limit=1000`).set(auth())).body.items as Change[];
  const lastSequence = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items.reduce((m: number, c: Change) => Math.max(m, c.sequence), 0);

  beforeAll(async () => { t = await startTestApp({ parts: platformApp }); });
  afterAll(async () => { await t.close(); });

  describe('reading a deleted asset', () => {
    it('is 404; with includeDeleted=true it shows its last state with status "deleted"; a live one shows "active"', async () => {
      await put({ qualifiedName: 'read/gone', attributes: { owner: 'ann' } });
      await tag('read/gone', 'PII');
      expect((await get('read/gone')).body.status).toBe('active');
      expect((await get('read/gone', '?includeDeleted=true')).body.status).toBe('active');
      const { version } = (await remove('read/gone')).body;
      const res = await get('read/gone');
      expect([res.status, res.body.error.code]).toEqual([404, 'asset_not_found']);
      expect((await get('read/gone', '?includeDeleted=false')).status).toBe(404);
      const deleted = await get('read/gone', '?includeDeleted=true');
      expect(deleted.status).toBe(200);
      expect(deleted.body).toMatchObject({ qualifiedName: 'read/gone', status: 'deleted', version, attributes: { owner: 'ann' },
        classifications: [{ name: 'PII', source: 'direct' }] });
      expect((await get('never/was', '?includeDeleted=true')).status).toBe(404);
      expect((await get('read/gone', '?includeDeleted=maybe')).body.error.code).toBe('invalid_query');
    });

    it('lists show live assets only', async () => {
      const listed = (await t.http().get('/v1/assets?q=read/').set(auth())).body.items.map((a: { qualifiedName: string }) => a.qualifiedName);
      expect(listed).not.toContain('read/gone');
    });
  });

  describe('starts a new life', () => {
    it('without its old direct tags, attributes or name; as asset.created, with its version continued', async () => {
      await put({ qualifiedName: 'life/a', name: 'Old name', attributes: { owner: 'ann', certificate: 'DEPRECATED' } });
      await tag('life/a', 'PII');
      const { version } = (await remove('life/a')).body;
      const since = await lastSequence();
      const again = await put({ qualifiedName: 'life/a', attributes: { description: 'second life' } });
      expect(again.body.results).toEqual([{ qualifiedName: 'life/a', version: version + 1, created: true }]);
      const view = (await get('life/a').expect(200)).body;
      expect(view).toMatchObject({ status: 'active', name: null, attributes: { description: 'second life' }, classifications: [], version: version + 1 });
      const changes = await changesSince(since);
      expect(changes.map((c) => `${c.type} ${c.subject}`)).toEqual(['asset.created life/a']);
      expect(changes[0].data).toMatchObject({ before: null, after: { typeName: 'Table', name: null, attributes: { description: 'second life' } } });
    });

    it('gets downstream propagation afresh, with no stale tag of its old life', async () => {
      // up -> mid -> down; up and mid tagged; mid deleted and created again, then linked again
      await put({ qualifiedName: 'prop/up' }, { qualifiedName: 'prop/mid' }, { qualifiedName: 'prop/down' });
      await link(['prop/up', 'prop/mid'], ['prop/mid', 'prop/down']);
      await tag('prop/up', 'UP');
      await tag('prop/mid', 'OLD');
      await settled(t);
      expect(await tags('prop/down')).toEqual(['OLD<-prop/mid@1', 'UP<-prop/up@2']);

      await remove('prop/mid');
      await settled(t);
      expect(await tags('prop/down')).toEqual([]);
      await put({ qualifiedName: 'prop/mid' });
      await settled(t);
      expect(await tags('prop/mid')).toEqual([]);
      expect(await tags('prop/down')).toEqual([]);

      await link(['prop/up', 'prop/mid'], ['prop/mid', 'prop/down']);
      await settled(t);
      expect(await tags('prop/mid')).toEqual(['UP<-prop/up@1']);
      expect(await tags('prop/down')).toEqual(['UP<-prop/up@2']);
      await tag('prop/mid', 'NEW');
      await settled(t);
      expect(await tags('prop/down')).toEqual(['NEW<-prop/mid@1', 'UP<-prop/up@2']);
    });
  });

  describe('incidents', () => {
    it('keep naming the table: old links stay, and one reported while the asset was deleted attaches when it is created again', async () => {
      const connector = (await t.http().post('/v1/connectors').set(auth())
        .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'inc/{database}/{schema}/{table}' }] } }).expect(201)).body;
      const deliver = async (incidentId: string) => {
        const body = JSON.stringify(incidentWebhook({ incidentId, tables: ['db:sch.orders'], severity: 'SEV-1' }));
        await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
          .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
        await waitFor(`incident ${incidentId}`, async () => ((await t.http().get('/v1/incidents').set(auth())).body.items
          .some((i: { externalId: string }) => i.externalId === incidentId) ? true : undefined));
      };
      const qn = 'inc/db/sch/orders';
      await put({ qualifiedName: qn });
      await deliver('before-delete');
      await remove(qn);
      await deliver('while-deleted');
      const since = await lastSequence();
      await put({ qualifiedName: qn });
      const view = (await get(qn).expect(200)).body;
      expect(view.incidents.map((i: { externalId: string }) => i.externalId).sort()).toEqual(['before-delete', 'while-deleted']);
      expect(view.health).toMatchObject({ status: 'critical', openIncidents: 2 });
      const changes = await changesSince(since);
      expect(changes.map((c) => `${c.type} ${c.subject}`)).toEqual([`asset.created ${qn}`, `asset.health.changed ${qn}`]);
      expect(changes[1].data).toEqual({ before: null, after: { status: 'critical', openIncidents: 2 } });
    });
  });
});
