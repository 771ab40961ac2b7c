import { Client } from 'pg';
import { enc, startTestApp, TestApp } from '../support/test-app';

describe('Change feed API', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const feed = (query: string) => t.http().get(`/v1/changes?${query}`).set(auth());

  beforeAll(async () => {
    t = await startTestApp();
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'a', typeName: 'Table' }, { qualifiedName: 'b', typeName: 'Table' }] });
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'a', typeName: 'View' }] });
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'a', to: 'b' }] });
    await t.http().delete(`/v1/assets/${enc('b')}`).set(auth());
  });
  afterAll(async () => { await t.close(); });

  it('lists every change in order, in the envelope of API.md', async () => {
    const res = await feed('after=0');
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { sequence: number; type: string; subject: string }) => [e.sequence, e.type, e.subject])).toEqual([
      [1, 'asset.created', 'a'], [2, 'asset.created', 'b'], [3, 'asset.updated', 'a'], [4, 'lineage.edge.added', 'a'],
      [5, 'lineage.edge.removed', 'a'], [6, 'asset.deleted', 'b'],
    ]);
    const updated = res.body.items[2];
    expect(updated).toMatchObject({ origin: 'api', tenant: 'default', data: { before: { typeName: 'Table' }, after: { typeName: 'View' }, version: 2 } });
    expect(updated.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(updated.time).toISOString()).toBe(updated.time);
    expect(updated.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(res.body.next).toBe(6);
  });

  it('pages with after and limit; an empty page keeps next where it was', async () => {
    const page = await feed('after=2&limit=2');
    expect(page.body.items.map((e: { sequence: number }) => e.sequence)).toEqual([3, 4]);
    expect(page.body.next).toBe(4);
    const end = await feed('after=6');
    expect(end.body).toEqual({ items: [], next: 6 });
  });

  it('continues the caller\'s W3C trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await t.http().put('/v1/assets').set(auth()).set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .send({ assets: [{ qualifiedName: 'traced', typeName: 'Table' }] });
    const last = (await feed('after=6')).body.items[0];
    expect(last.traceparent.split('-')[1]).toBe(traceId);
  });

  it('writes an audit entry for each write, with the actor', async () => {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    const rows = (await c.query('SELECT actor, action FROM tenant_pooled.audit_log WHERE tenant_id = \'default\' ORDER BY id')).rows;
    await c.end();
    const keyId = t.adminKey.split('_')[1];
    expect(rows.map((r) => r.action)).toEqual(['assets.upsert', 'assets.upsert', 'lineage.add', 'asset.delete', 'assets.upsert']);
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set([`key:${keyId}`]));
  });

  it('rejects a negative or non-numeric after with 400', async () => {
    expect((await feed('after=-1')).status).toBe(400);
    expect((await feed('after=abc')).status).toBe(400);
  });
});
