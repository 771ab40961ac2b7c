import type { Browser, BrowserContext, Page } from 'playwright-core';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { expectText, launchBrowser, screenshot, seriousViolations } from './browser';

/**
 * The console's overview (the incident trend drawn by ECharts, with its text alternative, the most
 * affected assets and the pipeline lag) and a live asset page, in Debian's Chromium against the all-in-one platform.
 */
describe('Console overview and live asset page (browser)', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let connector: { id: string; signingSecret: string };
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    await t.http().put('/v1/assets').set(auth()).send({ assets: ['warehouse/public/orders', 'warehouse/public/customers', 'marts/sales']
      .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'warehouse/public/orders', to: 'marts/sales' }] }).expect(200);
    connector = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
    browser = await launchBrowser();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterEach(async () => { await context.close(); });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signIn = async () => {
    await page.goto(`${base}/console/sign-in`);
    await page.getByLabel('API key').fill(t.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  };
  const sendIncident = async (table: string, severity: string) => {
    const body = JSON.stringify(incidentWebhook({ tables: [`warehouse:public.${table}`], severity }));
    await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
  };
  /** The legend's texts in the chart's SVG: what ECharts drew, not what the page meant to draw. */
  const drawnSeries = async () => (await page.getByTestId('trend-chart').locator('svg text').allTextContents())
    .filter((s) => /^(SEV-\d|none|montecarlo)$/.test(s)).sort();
  const row = (name: string) => page.getByTestId('trend-summary').getByRole('row', { name: new RegExp(`^${name} `) });

  it('draws the trend of incidents sent by webhook by severity, and redraws it per hour and by source', async () => {
    await sendIncident('orders', 'SEV-1');
    await sendIncident('orders', 'SEV-2');
    await sendIncident('customers', 'SEV-2');
    await signIn();

    // the analytics store takes the incidents in shortly after they are stored; the page asks again
    await expectText(row('SEV-2'), /^SEV-2\s*2\s*0\s*2$/);
    await expectText(row('SEV-1'), /^SEV-1\s*1\s*0\s*1$/);
    const chart = page.getByTestId('trend-chart');
    await expectText(chart, (text) => text.includes('SEV-1') && text.includes('SEV-2'));
    expect(await drawnSeries()).toEqual(['SEV-1', 'SEV-2']);
    expect(Number(await chart.getAttribute('data-buckets'))).toBeLessThanOrEqual(8);

    await page.locator('label', { hasText: /^Per/ }).locator('select').selectOption('hour');
    await expectText(page.locator('[data-testid="trend-chart"]'), (text) => text.includes('SEV-1'));
    await page.waitForFunction('Number(document.querySelector(\'[data-testid="trend-chart"]\')?.getAttribute("data-buckets")) >= 7 * 24');

    await page.locator('label', { hasText: /^Group by/ }).locator('select').selectOption('source');
    await expectText(row('montecarlo'), /^montecarlo\s*3\s*0\s*3$/);
    await expectText(chart, (text) => text.includes('montecarlo') && !text.includes('SEV-'));
    expect(await drawnSeries()).toEqual(['montecarlo']);

    // the most affected assets: marts/sales sits downstream of both incidents on orders
    const affected = page.getByRole('table', { name: 'Most affected assets' });
    await expectText(affected.getByRole('row', { name: /^marts\/sales/ }), /^marts\/sales\s*2\s*2$/);

    // the pipeline lag: the ingestor recorded the webhooks it applied (the page asks again every 10 s)
    await expectText(page.getByTestId('lag-ingest-count'), (text) => Number(/^(\d+) in the last 15 min$/.exec(text)?.[1] ?? 0) >= 1);
    await expectText(page.getByTestId('lag-ingest'), /p95, max \d/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview');
  });

  it('shows an incident sent by webhook on the open asset page, its incidents and health, without a reload', async () => {
    await signIn();
    await page.goto(`${base}/console/assets/${encodeURIComponent('warehouse/public/customers')}`);
    await page.getByRole('heading', { name: /customers/ }).waitFor();
    const health = page.getByTestId('health-summary');
    const before = Number(/^(\d+) open/.exec((await health.textContent()) ?? '')![1]);
    const timeline = page.getByRole('list', { name: 'Incidents, newest first' });
    const listed = await timeline.getByRole('listitem').count().catch(() => 0);
    // a marker in the page: a reload would lose it
    await page.evaluate('window.marker = 1');

    await sendIncident('customers', 'SEV-1');
    await expectText(health, (text) => text.startsWith(`${before + 1} open`));
    await expectText(timeline, /SEV-1/);
    expect(await timeline.getByRole('listitem').count()).toBe(listed + 1);
    expect(await page.evaluate('window.marker')).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'asset-live');
  });
});
