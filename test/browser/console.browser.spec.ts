import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { waitFor } from '../support/wait-for';
import { expectCount, expectText, screenshot, seriousViolations } from './browser';
import { consoleFixture } from './console-fixture';

/**
 * The console in a real browser (Debian's Chromium through playwright-core) against the all-in-one
 * platform, as `npm start` runs it: served at /console/, signed in with an API key, kept live by the
 * change stream.
 */
describe('Console (browser)', () => {
  let connector: { id: string; signingSecret: string };
  const c = consoleFixture({
    setup: async (t) => {
      await t.http().put('/v1/assets').set(c.auth()).send({ assets: [{ qualifiedName: 'warehouse/public/orders', typeName: 'Table' }] }).expect(200);
      connector = (await t.http().post('/v1/connectors').set(c.auth())
        .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
    },
  });
  const { auth, signIn } = c;

  const waitForAsset = (qualifiedName: string, ok: (a: { classifications: { name: string }[] }) => boolean) =>
    waitFor(`asset ${qualifiedName}`, async () => {
      const res = await c.t.http().get(`/v1/assets/${encodeURIComponent(qualifiedName)}`).set(auth());
      return res.status === 200 && ok(res.body) ? true : undefined;
    });

  it('sends / to the console, which asks for a key, and refuses a wrong one with a clear message', async () => {
    await c.page.goto(`${c.base}/`);
    await c.page.waitForURL(/\/console\/sign-in$/);
    await c.page.getByLabel('API key').fill('trb_not_a_real_key');
    await c.page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(c.page.getByRole('alert'), /credential was refused/);
    expect(c.page.url()).toMatch(/\/console\/sign-in$/);
    expect(await c.page.evaluate('sessionStorage.getItem("tributary.credential")')).toBeNull();
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'sign-in');
  });

  it('signs in with a key kept in session storage only, never in the URL, and shows the tenant and roles', async () => {
    await signIn();
    await c.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expectText(c.page.locator('.who'), /default · admin/);
    expect(c.page.url()).not.toContain(c.t.adminKey);
    expect(await c.page.evaluate('localStorage.length')).toBe(0);
    expect(await c.page.evaluate('sessionStorage.getItem("tributary.credential")')).toBe(c.t.adminKey);
  });

  it('shows an incident sent by webhook on the open overview without a reload', async () => {
    await signIn();
    await c.page.getByRole('heading', { name: 'Overview' }).waitFor();
    const sev1 = c.page.getByTestId('open-SEV-1');
    const before = Number(await sev1.textContent());
    // a marker in the page: a reload would lose it
    await c.page.evaluate('window.marker = 1');
    const body = JSON.stringify(incidentWebhook({ tables: ['warehouse:public.orders'], severity: 'SEV-1' }));
    await c.t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
    await expectText(sev1, String(before + 1));
    expect(await c.page.evaluate('window.marker')).toBe(1);
    await c.page.getByRole('table', { name: 'Most recent open incidents' }).getByText('SEV-1').first().waitFor();
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'overview');
  });

  it('finds an asset, shows where a propagated tag came from, and highlights its path in the lineage graph', async () => {
    await c.t.http().put('/v1/assets').set(auth()).send({ assets: ['raw/payments', 'staging/payments', 'marts/revenue', 'marts/other']
      .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await c.t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'raw/payments', to: 'staging/payments' },
      { from: 'staging/payments', to: 'marts/revenue' }, { from: 'staging/payments', to: 'marts/other' }] }).expect(200);
    await c.t.http().post(`/v1/assets/${encodeURIComponent('raw/payments')}/classifications`).set(auth()).send({ name: 'PII' }).expect(200);
    await waitForAsset('marts/revenue', (a) => a.classifications.some((c) => c.name === 'PII'));

    await signIn();
    await c.page.getByRole('link', { name: 'Assets' }).click();
    await c.page.getByLabel('Name contains').fill('revenue');
    await c.page.getByRole('button', { name: 'Search' }).click();
    await c.page.getByRole('link', { name: 'marts/revenue' }).waitFor();
    expect(await seriousViolations(c.page)).toEqual([]);
    await c.page.getByRole('link', { name: 'marts/revenue' }).click();
    await c.page.getByRole('heading', { name: /marts\/revenue/ }).waitFor();
    await expectText(c.page.getByTestId('provenance-PII'), /propagated from raw\/payments, 2 hops, rule tag-propagation/);
    // its sibling marts/other is neither upstream nor downstream of it
    await expectText(c.page.getByTestId('lineage-count'), /^3 assets, 2 edges/);
    expect(await c.page.locator('.react-flow__node.on-path').count()).toBe(0);
    await c.page.getByRole('button', { name: 'Show its path' }).click();
    await expectCount(c.page.locator('.react-flow__node.on-path'), 3);
    const onPath = await c.page.locator('.react-flow__node.on-path').allTextContents();
    expect(onPath.sort()).toEqual(['marts/revenue', 'raw/payments', 'staging/payments']);
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'asset');
  });

  it('colours lineage nodes by health, and collapses what is deeper than the depth shown behind a "+N" that expands it', async () => {
    // warehouse/lin/src -> mid -> deep1, deep2, and src -> ok; a SEV-1 incident opens on mid
    const [src, mid, deep1, deep2, ok] = ['src', 'mid', 'deep1', 'deep2', 'ok'].map((n) => `warehouse/lin/${n}`);
    await c.t.http().put('/v1/assets').set(auth()).send({ assets: [src, mid, deep1, deep2, ok]
      .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await c.t.http().put('/v1/lineage').set(auth()).send({ edges: [[src, mid], [mid, deep1], [mid, deep2], [src, ok]]
      .map(([from, to]) => ({ from, to })) }).expect(200);
    const body = JSON.stringify(incidentWebhook({ tables: ['warehouse:lin.mid'], severity: 'SEV-1' }));
    await c.t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
    for (const qn of [deep1, deep2]) {
      await waitFor(`${qn} warned of the incident upstream`, async () =>
        ((await c.t.http().get(`/v1/assets/${encodeURIComponent(qn)}`).set(auth())).body.health?.status === 'warning' ? true : undefined));
    }

    await signIn();
    await c.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await c.page.goto(`${c.base}/console/assets/${encodeURIComponent(src)}`);
    await expectText(c.page.getByTestId('lineage-count'), /^5 assets, 4 edges/);
    const nodes = c.page.locator('.react-flow__node.lineage-node');
    await expectCount(nodes, 5);
    const critical = c.page.locator('.react-flow__node.health-critical');
    expect(await critical.count()).toBe(1);
    expect(await critical.getAttribute('aria-label')).toBe(`${mid}, 1 hop downstream, critical`);
    expect(await critical.textContent()).toBe(`${mid}critical`);
    expect((await c.page.locator('.react-flow__node.health-warning').allTextContents()).sort()).toEqual([`${deep1}warning`, `${deep2}warning`]);
    expect((await c.page.locator('.react-flow__node.health-healthy').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).sort())
      .toEqual([`${ok}, 1 hop downstream, healthy`, `${src} (this asset), healthy`]);
    await c.page.getByRole('list', { name: 'Legend of the lineage graph' }).getByText('critical: an open SEV-1 or SEV-2 incident').waitFor();

    await c.page.getByLabel('Show depth').selectOption('1');
    await expectCount(nodes, 3);
    expect((await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!.split(',')[0]))).sort()).toEqual([ok, mid, `${src} (this asset)`].sort());
    await expectText(c.page.getByTestId('lineage-hidden'), '2 hidden beyond depth 1');
    // the count still covers every asset of the answer
    await expectText(c.page.getByTestId('lineage-count'), /^5 assets, 4 edges/);
    const more = c.page.getByRole('button', { name: `+2 assets downstream of ${mid}: show them` });
    await expectText(more, '+2');
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'lineage-collapsed');

    // by keyboard: the "+N" is a button
    await more.focus();
    await c.page.keyboard.press('Enter');
    await expectCount(nodes, 5);
    // the keyboard goes on from the node whose branch it expanded
    await c.page.waitForFunction(`document.activeElement?.getAttribute('aria-label') === ${JSON.stringify(`${mid}, 1 hop downstream, critical`)}`);
    expect(await c.page.getByTestId('lineage-hidden').count()).toBe(0);
    expect(await c.page.locator('.react-flow__node-more').count()).toBe(0);
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'lineage-health');

    // live: an incident that arrives by webhook colours the open graph, without a reload
    const onOk = JSON.stringify(incidentWebhook({ tables: ['warehouse:lin.ok'], severity: 'SEV-2' }));
    await c.t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(onOk, connector.signingSecret)).send(onOk).expect(202);
    await expectCount(c.page.locator('.react-flow__node.health-critical'), 2);
    expect(await c.page.locator('.react-flow__node.health-critical').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')).sort()))
      .toEqual([`${mid}, 1 hop downstream, critical`, `${ok}, 1 hop downstream, critical`]);
  });

  it('places a graph too large for elk in columns by depth, ordered by name', async () => {
    const leaves = Array.from({ length: 400 }, (_, i) => `wide/n${String(i).padStart(3, '0')}`);
    await c.t.http().put('/v1/assets').set(auth()).send({ assets: ['wide/root', ...leaves].map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    // sent in reverse: the order drawn is the names', not the answer's
    await c.t.http().put('/v1/lineage').set(auth()).send({ edges: [...leaves].reverse().map((to) => ({ from: 'wide/root', to })) }).expect(200);

    await signIn();
    await c.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await c.page.goto(`${c.base}/console/assets/${encodeURIComponent('wide/root')}`);
    await expectText(c.page.getByTestId('lineage-count'), /^401 assets, 400 edges/);
    await c.page.locator('.react-flow__node.lineage-node').first().waitFor();
    const placed = await c.page.locator('.react-flow__node.lineage-node').evaluateAll((els) => els.map((e) => {
      const [, x, y] = /translate\((-?[\d.]+)px, ?(-?[\d.]+)px\)/.exec(e.getAttribute('style')!)!;
      return { name: e.getAttribute('aria-label')!.split(',')[0]!, x: Number(x), y: Number(y) };
    }));
    const root = placed.find((p) => p.name === 'wide/root (this asset)')!;
    const column = placed.filter((p) => p !== root);
    expect(column.length).toBeGreaterThan(0);
    expect(new Set(column.map((p) => p.x - root.x))).toEqual(new Set([280]));
    const byY = [...column].sort((a, b) => a.y - b.y).map((p) => p.name);
    expect(byY).toEqual([...byY].sort());
    // every node is in view, and the column is centred on the root
    expect(column).toHaveLength(400);
    expect(Math.min(...column.map((p) => p.y)) + Math.max(...column.map((p) => p.y))).toBe(2 * root.y);
  });

  it('signs out: the key is forgotten and the console asks for one again', async () => {
    await signIn();
    await c.page.getByRole('button', { name: 'Sign out' }).click();
    await c.page.waitForURL(/\/console\/sign-in$/);
    expect(await c.page.evaluate('sessionStorage.getItem("tributary.credential")')).toBeNull();
    await c.page.goto(`${c.base}/console/`);
    await c.page.waitForURL(/\/console\/sign-in$/);
  });
});
