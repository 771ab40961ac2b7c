import { alertNode, incidentNode, warehouseTable } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { waitFor } from '../support/wait-for';
import { expectText, screenshot, seriousViolations } from './browser';
import { consoleFixture } from './console-fixture';

/** The console's admin and support pages in a real browser, and what a credential without their roles sees. */
describe('Console admin and support pages (browser)', () => {
  let mc: MonteCarloGraphqlServer;
  beforeAll(async () => { mc = await MonteCarloGraphqlServer.start(); });
  afterAll(async () => { await mc?.stop(); });
  const c = consoleFixture({
    // no reconciliation: its reads would shift the 429 the backfill test places on the n-th request
    config: () => ({ reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG }),
    setup: async (t) => {
      await t.http().put('/v1/assets').set(c.auth()).send({ assets: [{ qualifiedName: 'warehouse/public/orders', typeName: 'Table' }] }).expect(200);
    },
  });
  const { auth, signIn } = c;
  const send = (connector: { id: string }, secret: string, body: string) => c.t.http().post(`/v1/hooks/montecarlo/${connector.id}`)
    .set('Content-Type', 'application/json').set('x-mcd-signature', signMonteCarlo(body, secret)).send(body);

  it('creates a Monte Carlo connector whose webhook URL and secret it shows once, and which works; then disables it', async () => {
    await signIn();
    await c.page.getByRole('link', { name: 'Connectors' }).click();
    await c.page.getByLabel('Name').fill('mc-console');
    await c.page.getByLabel('Table mapping template').fill('warehouse/{schema}/{table}');
    await c.page.getByRole('button', { name: 'Create' }).click();
    const url = (await c.page.getByTestId('webhook-url').textContent())!;
    const secret = (await c.page.getByTestId('signing-secret').textContent())!;
    expect(url).toMatch(/\/v1\/hooks\/montecarlo\/[0-9a-f-]{36}$/);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'connectors');
    const id = url.split('/').pop()!;
    // the secret shown is the connector's: a webhook signed with it is taken
    await send({ id }, secret, JSON.stringify(incidentWebhook({ tables: ['warehouse:public.orders'] }))).expect(202);
    await c.page.getByRole('button', { name: 'Disable mc-console' }).click();
    await c.page.getByRole('button', { name: 'Enable mc-console' }).waitFor();
    expect((await c.t.http().get(`/v1/connectors/${id}`).set(auth()).expect(200)).body.enabled).toBe(false);
    // shown once: a new visit lists it without its secret
    await c.page.reload();
    await c.page.getByRole('cell', { name: 'mc-console', exact: true }).waitFor();
    expect(await c.page.getByTestId('signing-secret').count()).toBe(0);
    expect(await c.page.content()).not.toContain(secret);
  });

  it('replays a dead letter from the support page once its cause is fixed', async () => {
    const broken = (await c.t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'broken',
      config: { mappings: [{ template: 'warehouse/{schema}/{table}' }], transform: '{"owner": event.url + 1}' } }).expect(201)).body;
    await send(broken, broken.signingSecret, JSON.stringify(incidentWebhook({ incidentId: 'console-replay', tables: ['warehouse:public.orders'] }))).expect(202);
    const letter = await waitFor('the delivery parked', async () =>
      ((await c.t.http().get('/v1/dead-letters').set(auth())).body.items as { id: string; reason: string }[]).find((d) => d.reason.includes('transform')));
    await c.t.http().patch(`/v1/connectors/${broken.id}`).set(auth()).send({ config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(200);

    await signIn();
    await c.page.getByRole('link', { name: 'Support' }).click();
    const row = c.page.getByTestId(`dead-letter-${letter.id}`);
    await row.getByText(letter.reason.slice(0, 40)).waitFor();
    expect(await seriousViolations(c.page)).toEqual([]);
    await screenshot(c.page, 'support');
    await row.getByRole('button', { name: /^Replay the dead letter/ }).click();
    await row.getByText(/^replayed/).waitFor();
    await waitFor('the replayed incident applied', async () =>
      ((await c.t.http().get('/v1/incidents?status=open').set(auth())).body.items as { externalId: string }[]).some((i) => i.externalId === 'console-replay') || undefined);
  });

  it('starts a backfill from the support page and shows its progress while it runs and when it ends', async () => {
    for (let i = 0; i < 250; i++) {
      mc.incidents.push(incidentNode({ createdTime: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
        events: { edges: [{ node: { table: warehouseTable('warehouse:public.orders') } }] } }));
    }
    for (let i = 0; i < 30; i++) mc.alerts.push(alertNode({ createdTime: new Date(Date.UTC(2026, 10, 2, 0, i)).toISOString() }));
    const connector = (await c.t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc-api',
      config: { mappings: [{ template: 'warehouse/{schema}/{table}' }], graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url } } }).expect(201)).body;
    // the second page is refused with a 429 for 3 s: the backfill is seen running, with one page read
    mc.failRequest(2, { status: 429, retryAfterSeconds: 3 });

    await signIn();
    await c.page.getByRole('link', { name: 'Support' }).click();
    await c.page.getByLabel('Connector id').fill(connector.id);
    await c.page.getByLabel('Since').fill('2026-11-01T00:00');
    await c.page.getByRole('button', { name: 'Start backfill' }).click();
    const row = c.page.getByRole('table', { name: 'Backfills' }).getByRole('row').nth(1);
    await expectText(row, (text) => text.includes('running: 1 page, 100 records, slowed down 1×'));
    // the source never says how many pages there are: the bar is indeterminate (no value) while it runs
    const bar = row.getByRole('progressbar');
    expect(await bar.getAttribute('value')).toBeNull();
    expect(await seriousViolations(c.page)).toEqual([]);
    // the page reads its progress again while it runs: it ends without a reload
    await expectText(row, (text) => text.includes('succeeded: 4 pages, 280 records, slowed down 1×'));
    expect(await bar.getAttribute('value')).toBe('1');
    expect(await bar.getAttribute('aria-label')).toBe('backfill succeeded');
    const [backfill] = (await c.t.http().get('/v1/backfills').set(auth()).expect(200)).body.items;
    // the form's time is the browser's local time
    const since = await c.page.evaluate(() => new Date('2026-11-01T00:00').toISOString());
    expect(backfill).toMatchObject({ connectorId: connector.id, status: 'succeeded', pages: 4, observations: 280, rateLimited: 1, since });
  });

  it('shows a viewer neither the admin nor the support pages, and says which role they need', async () => {
    const viewer = (await c.t.http().post('/v1/api-keys').set(auth()).send({ name: 'viewer', roles: ['viewer'] }).expect(201)).body.key;
    await signIn(viewer);
    expect(await c.page.getByRole('link', { name: 'Connectors' }).count()).toBe(0);
    expect(await c.page.getByRole('link', { name: 'Support' }).count()).toBe(0);
    await c.page.goto(`${c.base}/console/connectors`);
    await c.page.getByRole('alert').filter({ hasText: 'This page needs the admin role; your credential has viewer.' }).waitFor();
    await c.page.goto(`${c.base}/console/support`);
    await c.page.getByRole('alert').filter({ hasText: 'This page needs the support role' }).waitFor();
    expect(await seriousViolations(c.page)).toEqual([]);
  });
});
