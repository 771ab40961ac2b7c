import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { expectText, screenshot, seriousViolations } from './browser';
import { consoleFixture } from './console-fixture';

/**
 * The console's overview (the incident trend drawn by ECharts, with its text alternative, the most
 * affected assets and the pipeline lag) and a live asset page, in Debian's Chromium against the all-in-one platform.
 */
describe('Console overview and live asset page (browser)', () => {
  let connector: { id: string; signingSecret: string };
  const c = consoleFixture({
    viewport: { width: 1280, height: 900 },
    setup: async (t) => {
      await t.http().put('/v1/assets').set(c.auth()).send({ assets: ['warehouse/public/orders', 'warehouse/public/customers', 'marts/sales']
        .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
      await t.http().put('/v1/lineage').set(c.auth()).send({ edges: [{ from: 'warehouse/public/orders', to: 'marts/sales' }] }).expect(200);
      connector = (await t.http().post('/v1/connectors').set(c.auth())
        .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
    },
  });
  const { signIn } = c;
  const sendIncident = async (table: string, severity: string) => {
    const body = JSON.stringify(incidentWebhook({ tables: [`warehouse:public.${table}`], severity }));
    await c.t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
  };
  /** The legend's texts in the chart's SVG: what ECharts drew, not what the page meant to draw. */
  const drawnSeries = async () => (await c.page.getByTestId('trend-chart').locator('svg text').allTextContents())
    .filter((s) => /^(SEV-\d|none|montecarlo)$/.test(s)).sort();
  const row = (name: string) => c.page.getByTestId('trend-summary').getByRole('row', { name: new RegExp(`^${name} `) });

  it('draws the trend of incidents sent by webhook by severity, and redraws it per hour and by source', async () => {
    await sendIncident('orders', 'SEV-1');
    await sendIncident('orders', 'SEV-2');
    await sendIncident('customers', 'SEV-2');
    await signIn();

    // the analytics store takes the incidents in shortly after they are stored; the page asks again
    await expectText(row('SEV-2'), /^SEV-2\s*2\s*0\s*2$/);
    await expectText(row('SEV-1'), /^SEV-1\s*1\s*0\s*1$/);
    const chart = c.page.getByTestId('trend-chart');
    await expectText(chart, (text) => text.includes('SEV-1') && text.includes('SEV-2'));
    expect(await drawnSeries()).toEqual(['SEV-1', 'SEV-2']);
    expect(Number(await chart.getAttribute('data-buckets'))).toBeLessThanOrEqual(8);

    await c.page.locator('label', { hasText: /^Per/ }).locator('select').selectOption('hour');
    await expectText(c.page.locator('[data-testid="trend-chart"]'), (text) => text.includes('SEV-1'));
    await c.page.waitForFunction('Number(document.querySelector(\'[data-testid="trend-chart"]\')?.getAttribute("data-buckets")) >= 7 * 24');

    await c.page.locator('label', { hasText: /^Group by/ }).locator('select').selectOption('source');
    await expectText(row('montecarlo'), /^montecarlo\s*3\s*0\s*3$/);
    await expectText(chart, (text) => text.includes('montecarlo') && !text.includes('SEV-'));
    expect(await drawnSeries()).toEqual(['montecarlo']);

    // the most affected assets: marts/sales sits downstream of both incidents on orders
    const affected = c.page.getByRole('table', { name: 'Most affected assets' });
    await expectText(affected.getByRole('row', { name: /^marts\/sales/ }), /^marts\/sales\s*2\s*2$/);

    // the pipeline lag: the ingestor recorded the webhooks it applied (the page asks again every 10 s)
    await expectText(c.page.getByTestId('lag-ingest-count'), (text) => Number(/^(\d+) in the last 15 min$/.exec(text)?.[1] ?? 0) >= 1);
    await expectText(c.page.getByTestId('lag-ingest'), /p95, max \d/);
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'overview');
  });

  it('shows an incident sent by webhook on the open asset page, its incidents and health, without a reload', async () => {
    await signIn();
    await c.page.goto(`${c.base}/console/assets/${encodeURIComponent('warehouse/public/customers')}`);
    await c.page.getByRole('heading', { name: /customers/ }).waitFor();
    const health = c.page.getByTestId('health-summary');
    const before = Number(/^(\d+) open/.exec((await health.textContent()) ?? '')![1]);
    const timeline = c.page.getByRole('list', { name: 'Incidents, newest first' });
    const listed = await timeline.getByRole('listitem').count().catch(() => 0);
    // a marker in the page: a reload would lose it
    await c.page.evaluate('window.marker = 1');

    await sendIncident('customers', 'SEV-1');
    await expectText(health, (text) => text.startsWith(`${before + 1} open`));
    await expectText(timeline, /SEV-1/);
    expect(await timeline.getByRole('listitem').count()).toBe(listed + 1);
    expect(await c.page.evaluate('window.marker')).toBe(1);
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'asset-live');
  });
});
