import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

describe('Lineage API', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const assets = (...names: string[]) => t.http().put('/v1/assets').set(auth())
    .send({ assets: names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) });
  const addEdges = (edges: unknown[]) => t.http().put('/v1/lineage').set(auth()).send({ edges });
  const removeEdges = (edges: unknown[]) => t.http().delete('/v1/lineage').set(auth()).send({ edges });
  const graph = (qn: string, query = '') => t.http().get(`/v1/lineage/${enc(qn)}?${query}`).set(auth());
  const edgeCount = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items
    .filter((e: { type: string }) => e.type.startsWith('lineage.')).length;

  beforeAll(async () => {
    t = await startTestApp();
    await assets('raw', 'stg', 'mart', 'dash', 'side', 'loner');
  });
  afterAll(async () => { await t.close(); });

  it('adds edges, counting the ones that already existed', async () => {
    const first = await addEdges([{ from: 'raw', to: 'stg', process: 'dbt/stg' }, { from: 'stg', to: 'mart' }, { from: 'mart', to: 'dash' }]);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ added: 3, existing: 0 });
    const again = await addEdges([{ from: 'raw', to: 'stg' }, { from: 'raw', to: 'side' }, { from: 'raw', to: 'side' }]);
    expect(again.body).toEqual({ added: 1, existing: 1 });
  });

  it('returns the downstream graph with depths and the edges among its nodes', async () => {
    const res = await graph('raw', 'direction=downstream&depth=50');
    expect(res.status).toBe(200);
    expect(res.body.root).toBe('raw');
    expect(res.body.nodes).toEqual([
      { qualifiedName: 'side', typeName: 'Table', depth: 1 }, { qualifiedName: 'stg', typeName: 'Table', depth: 1 },
      { qualifiedName: 'mart', typeName: 'Table', depth: 2 }, { qualifiedName: 'dash', typeName: 'Table', depth: 3 },
    ]);
    expect(res.body.edges).toEqual(expect.arrayContaining([{ from: 'raw', to: 'stg' }, { from: 'stg', to: 'mart' },
      { from: 'mart', to: 'dash' }, { from: 'raw', to: 'side' }]));
    expect(res.body.edges).toHaveLength(4);
  });

  it('limits the depth and walks upstream', async () => {
    expect((await graph('raw', 'depth=1')).body.nodes.map((n: { qualifiedName: string }) => n.qualifiedName)).toEqual(['side', 'stg']);
    expect((await graph('dash', 'direction=upstream')).body.nodes.map((n: { qualifiedName: string; depth: number }) => [n.qualifiedName, n.depth]))
      .toEqual([['mart', 1], ['stg', 2], ['raw', 3]]);
  });

  it('is safe on cycles', async () => {
    await addEdges([{ from: 'dash', to: 'raw' }]);
    const res = await graph('raw', 'depth=50');
    expect(res.body.nodes.map((n: { qualifiedName: string }) => n.qualifiedName).sort()).toEqual(['dash', 'mart', 'side', 'stg']);
    await removeEdges([{ from: 'dash', to: 'raw' }]);
  });

  it('removes edges, counting the ones that were not there', async () => {
    const res = await removeEdges([{ from: 'raw', to: 'side' }, { from: 'side', to: 'raw' }]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ removed: 1, missing: 1 });
    expect((await graph('raw', 'depth=1')).body.nodes.map((n: { qualifiedName: string }) => n.qualifiedName)).toEqual(['stg']);
  });

  it('answers JSON whatever the names hold, siblings ordered by name in code-point order', async () => {
    const odd = ['src "quoted" \\ back', 'Zeta/ü', 'alpha\ttab', 'emoji 🚀'];
    await assets(...odd);
    await addEdges(odd.slice(1).map((to) => ({ from: odd[0], to })));
    const res = await graph(odd[0]);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.root).toBe(odd[0]);
    expect(res.body.nodes).toEqual(['Zeta/ü', 'alpha\ttab', 'emoji 🚀'].map((qualifiedName) => ({ qualifiedName, typeName: 'Table', depth: 1 })));
    expect(res.body.edges).toHaveLength(3);
  });

  describe('bad input changes nothing', () => {
    const rejects = async (res: Promise<{ status: number; body: { error: { code: string; details?: Record<string, unknown> } } }>, status: number, code: string) => {
      const before = await edgeCount();
      const r = await res;
      expect([r.status, r.body.error.code]).toEqual([status, code]);
      expect(await edgeCount()).toBe(before);
      return r.body.error;
    };

    it('edges to unknown assets are 422 naming them, and no edge of the batch is added', async () => {
      const err = await rejects(addEdges([{ from: 'raw', to: 'loner' }, { from: 'raw', to: 'ghost' }, { from: 'phantom', to: 'raw' }]), 422, 'unknown_assets');
      expect(err.details).toEqual({ qualifiedNames: ['ghost', 'phantom'] });
      expect((await graph('loner', 'direction=upstream')).body.nodes).toEqual([]);
    });

    it('a self-edge is 422', async () => {
      await rejects(addEdges([{ from: 'raw', to: 'raw' }]), 422, 'self_edge');
    });

    it('an empty or oversized edge list is 422', async () => {
      await rejects(addEdges([]), 422, 'validation_failed');
      await rejects(addEdges(Array.from({ length: 5001 }, () => ({ from: 'raw', to: 'stg' }))), 422, 'validation_failed');
    });

    it('a depth outside 1..50, an unknown direction or a health other than true or false is 400', async () => {
      for (const q of ['depth=0', 'depth=51', 'direction=sideways', 'health=yes']) {
        const res = await graph('raw', q);
        expect([q, res.status, res.body.error.code]).toEqual([q, 400, 'invalid_query']);
      }
    });

    it('the lineage of an unknown asset is 404', async () => {
      expect((await graph('ghost')).status).toBe(404);
    });
  });
});

describe('Lineage API with health', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const graph = (qn: string, query = '') => t.http().get(`/v1/lineage/${enc(qn)}?${query}`).set(auth()).expect(200);
  type Node = { qualifiedName: string; health?: string };
  const healthOf = (nodes: Node[]) => Object.fromEntries(nodes.map((n) => [n.qualifiedName, n.health]));

  // wh/h/up -> wh/h/mid -> wh/h/down, and wh/h/up -> wh/h/side; a SEV-1 incident opens on wh/h/mid
  beforeAll(async () => {
    // the all-in-one platform: the ingestor takes the incident, the propagator counts it downstream
    t = await startTestApp({ parts: platformApp });
    await t.http().put('/v1/assets').set(auth()).send({ assets: ['wh/h/up', 'wh/h/mid', 'wh/h/down', 'wh/h/side']
      .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'wh/h/up', to: 'wh/h/mid' }, { from: 'wh/h/mid', to: 'wh/h/down' },
      { from: 'wh/h/up', to: 'wh/h/side' }] }).expect(200);
    const connector = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'wh/{schema}/{table}' }] } }).expect(201)).body;
    const body = JSON.stringify(incidentWebhook({ tables: ['db:h.mid'], severity: 'SEV-1' }));
    await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
  });
  afterAll(async () => { await t.close(); });

  it('with health=true: an open SEV-1 incident makes its asset critical, an upstream one makes downstream assets warning, the rest healthy', async () => {
    const answer = await waitFor('the incident counted downstream', async () => {
      const res = await graph('wh/h/up', 'direction=downstream&depth=5&health=true');
      return healthOf(res.body.nodes)['wh/h/down'] === 'warning' ? res.body : undefined;
    });
    expect(answer.rootHealth).toBe('healthy');
    expect(healthOf(answer.nodes)).toEqual({ 'wh/h/mid': 'critical', 'wh/h/side': 'healthy', 'wh/h/down': 'warning' });
    const upstream = (await graph('wh/h/down', 'direction=upstream&health=true')).body;
    expect([upstream.rootHealth, healthOf(upstream.nodes)]).toEqual(['warning', { 'wh/h/mid': 'critical', 'wh/h/up': 'healthy' }]);
  });

  it('without it (or with health=false) the answer has no health at all', async () => {
    for (const query of ['direction=downstream', 'direction=downstream&health=false']) {
      const res = await graph('wh/h/up', query);
      expect(Object.keys(res.body).sort()).toEqual(['edges', 'nodes', 'root']);
      expect(res.body.nodes.map((n: Node) => Object.keys(n).sort())).toEqual(res.body.nodes.map(() => ['depth', 'qualifiedName', 'typeName']));
      expect(res.body.nodes).toHaveLength(3);
    }
  });
});
