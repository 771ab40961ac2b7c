import { SlackFake, startSlackFake } from '../support/fakes/slack-fake';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { settled } from '../support/propagation';
import { enc } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { expectCount, expectText, screenshot, seriousViolations } from './browser';
import { consoleFixture } from './console-fixture';

/** A filter a steward might first write: matches() is refused (its run time has no bound), at the column it starts. */
const BROKEN_FILTER = 'event.type == "asset.created" || event.subject.matches("^src/")';
const FIXED_FILTER = 'event.type == "asset.created" || event.subject.startsWith("src/")';

/**
 * The console's Incidents and Rules pages in a real browser (Debian's Chromium through
 * playwright-core) against the all-in-one platform, as `npm start` runs it: the propagator runs, so a
 * rule switched on takes effect, and a preview that wrote anything would show in the store.
 */
describe('Console: incidents and rules (browser)', () => {
  let viewerKey: string;
  let slack: SlackFake;
  beforeAll(async () => { slack = await startSlackFake({ rateLimit: false }); });
  afterAll(async () => { await slack?.stop(); });
  const c = consoleFixture({
    config: () => ({ reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG }),
    setup: async (t) => {
      // src/orders (its team set) → mid/orders → out/orders (owned); warehouse/public/orders → warehouse/public/orders_daily → reports/orders
      await t.http().put('/v1/assets').set(c.auth()).send({ assets: [
        { qualifiedName: 'src/orders', typeName: 'Table', attributes: { team: 'payments' } },
        { qualifiedName: 'mid/orders', typeName: 'Table' }, { qualifiedName: 'out/orders', typeName: 'Table' },
        { qualifiedName: 'warehouse/public/orders', typeName: 'Table' }, { qualifiedName: 'warehouse/public/customers', typeName: 'Table' },
        { qualifiedName: 'warehouse/public/orders_daily', typeName: 'Table', attributes: { owner: 'ana@example.com' } },
        { qualifiedName: 'reports/orders', typeName: 'Dashboard', attributes: { owner: 'ana@example.com' } },
      ] }).expect(200);
      await t.http().put('/v1/lineage').set(c.auth()).send({ edges: [['src/orders', 'mid/orders'], ['mid/orders', 'out/orders'],
        ['warehouse/public/orders', 'warehouse/public/orders_daily'], ['warehouse/public/orders_daily', 'reports/orders']]
        .map(([from, to]) => ({ from, to })) }).expect(200);
      viewerKey = (await t.http().post('/v1/api-keys').set(c.auth()).send({ name: 'viewer', roles: ['viewer'] }).expect(201)).body.key;
    },
  });
  const { auth, signIn } = c;
  const asset = async (qualifiedName: string) => (await c.t.http().get(`/v1/assets/${enc(qualifiedName)}`).set(auth()).expect(200)).body;
  const changesHead = async () => (await c.t.http().get('/v1/changes?after=0&limit=1000').set(auth()).expect(200)).body.next;

  describe('Rules', () => {
    it('checks the filter as it is typed, previews without writing, saves the rule off, and it takes effect once switched on', async () => {
      await settled(c.t);
      const unchanged = await Promise.all(['src/orders', 'mid/orders', 'out/orders'].map(asset));
      const head = await changesHead();

      await signIn();
      await c.page.getByRole('link', { name: 'Rules' }).click();
      await c.page.getByRole('heading', { name: 'Rules' }).waitFor();
      await c.page.getByRole('table', { name: 'Rules' }).getByText('Tag propagation').waitFor();
      await c.page.getByRole('link', { name: 'New rule' }).click();
      await c.page.getByRole('heading', { name: 'New rule' }).waitFor();
      await c.page.getByLabel('Name', { exact: true }).fill('Team downstream');
      await c.page.getByLabel('Action').selectOption('propagate_attribute');
      await c.page.getByLabel('Attribute', { exact: true }).fill('upstreamTeam');
      await c.page.getByLabel('Source when (CEL)').fill('"team" in source.attributes');
      await c.page.getByLabel('Value (CEL)').fill('source.attributes.team');

      // typed, not submitted: the server's parser answers and the caret sits under `matches`
      await c.page.getByLabel('Filter (CEL, optional)').pressSequentially(BROKEN_FILTER, { delay: 5 });
      const caret = c.page.getByTestId('expression-caret');
      await caret.waitFor();
      const column = BROKEN_FILTER.indexOf('matches');
      const [line, marker] = (await caret.textContent())!.split('\n');
      expect(line).toBe(BROKEN_FILTER);
      expect(marker).toBe(`${' '.repeat(column)}^`);
      await expectText(c.page.locator('.expression').first().locator('.error'), new RegExp(`^Line 1, column ${column + 1}: .*matches\\(\\) is not available`));
      expect(await c.page.getByLabel('Filter (CEL, optional)').getAttribute('aria-invalid')).toBe('true');
      expect(await c.page.getByRole('button', { name: 'Save rule' }).isDisabled()).toBe(true);
      expect(await seriousViolations(c.page)).toEqual([]);
      await screenshot(c.page, 'rule-error');

      await c.page.getByLabel('Filter (CEL, optional)').fill(FIXED_FILTER);
      await expectText(c.page.locator('.expression').first().locator('.verdict'), /^Valid: costs up to [\d,]+ of 100,000 units\.$/);
      expect(await caret.count()).toBe(0);

      await c.page.getByRole('button', { name: 'Preview' }).click();
      await expectText(c.page.getByTestId('preview-total'), /would make 2 changes\. Nothing has been written\./);
      const rows = c.page.getByRole('table', { name: 'Changes the rule would make' }).locator('tbody tr');
      expect((await rows.allTextContents()).map((r) => r.replace(/\s+/g, ' '))).toEqual([
        'mid/ordersasset.updated{"derivedAttributes":{}} → {"derivedAttributes":{"upstreamTeam":"payments"}}',
        'out/ordersasset.updated{"derivedAttributes":{}} → {"derivedAttributes":{"upstreamTeam":"payments"}}',
      ]);
      expect(await seriousViolations(c.page)).toEqual([]);
      await screenshot(c.page, 'rules');
      // the dry run wrote nothing: no change event, the assets as they were, no rule
      expect(await changesHead()).toBe(head);
      expect(await Promise.all(['src/orders', 'mid/orders', 'out/orders'].map(asset))).toEqual(unchanged);
      expect((await c.t.http().get('/v1/rules').set(auth())).body.items.map((r: { name: string }) => r.name)).not.toContain('Team downstream');

      // saved off (the form's default): listed, and still changing nothing
      await c.page.getByRole('button', { name: 'Save rule' }).click();
      await c.page.getByRole('heading', { name: 'Rules' }).waitFor();
      await expectText(c.page.getByTestId('rule-state-Team downstream'), 'off');
      const saved = (await c.t.http().get('/v1/rules').set(auth())).body.items.find((r: { name: string }) => r.name === 'Team downstream');
      expect(saved).toMatchObject({ enabled: false, filter: FIXED_FILTER, trigger: ['asset.created', 'asset.updated'],
        action: { type: 'propagate_attribute', attribute: 'upstreamTeam', when: '"team" in source.attributes', value: 'source.attributes.team' } });
      await settled(c.t);
      expect((await asset('out/orders')).attributes.upstreamTeam).toBeUndefined();

      await c.page.getByRole('button', { name: 'Turn on Team downstream' }).click();
      await expectText(c.page.getByTestId('rule-state-Team downstream'), 'on');
      for (const qualifiedName of ['mid/orders', 'out/orders']) {
        await waitFor(`upstreamTeam on ${qualifiedName}`, async () => ((await asset(qualifiedName)).attributes.upstreamTeam === 'payments' ? true : undefined), 30_000);
      }
      expect((await asset('src/orders')).attributes.upstreamTeam).toBeUndefined();
      expect(await seriousViolations(c.page)).toEqual([]);
    });

    it('edits a saved rule in the same form, its expressions checked again', async () => {
      const created = (await c.t.http().post('/v1/rules').set(auth()).send({ name: 'Finance tags', trigger: ['asset.classification.added'],
        enabled: false, action: { type: 'propagate_classification', names: ['Finance'], maxDepth: 2 } }).expect(201)).body;
      await signIn();
      await c.page.goto(`${c.base}/console/rules/${created.id}`);
      await c.page.getByRole('heading', { name: 'Edit rule Finance tags' }).waitFor();
      expect(await c.page.getByLabel(/^Tags/).inputValue()).toBe('Finance');
      await c.page.getByLabel('Filter (CEL, optional)').fill('event.data.after.name ==');
      await c.page.getByTestId('expression-caret').waitFor();
      await c.page.getByLabel('Filter (CEL, optional)').fill('event.data.after.name == "Finance"');
      await expectText(c.page.locator('.expression').first().locator('.verdict'), /^Valid/);
      await c.page.getByLabel(/^Hops downstream/).fill('3');
      await c.page.getByRole('button', { name: 'Save changes' }).click();
      await c.page.getByRole('heading', { name: 'Rules' }).waitFor();
      await c.page.getByRole('link', { name: 'Finance tags' }).waitFor();
      expect(await seriousViolations(c.page)).toEqual([]);
      const edited = (await c.t.http().get('/v1/rules').set(auth())).body.items.find((r: { id: string }) => r.id === created.id);
      expect(edited).toMatchObject({ filter: 'event.data.after.name == "Finance"', enabled: false, version: 2,
        action: { type: 'propagate_classification', names: ['Finance'], maxDepth: 3 } });

      // a filter emptied is removed, not kept
      await c.page.getByRole('link', { name: 'Finance tags' }).click();
      await c.page.getByRole('heading', { name: 'Edit rule Finance tags' }).waitFor();
      expect(await c.page.getByLabel('Filter (CEL, optional)').inputValue()).toBe('event.data.after.name == "Finance"');
      await c.page.getByLabel('Filter (CEL, optional)').fill('');
      await c.page.getByRole('button', { name: 'Save changes' }).click();
      await c.page.getByRole('heading', { name: 'Rules' }).waitFor();
      expect((await c.t.http().get('/v1/rules').set(auth())).body.items.find((r: { id: string }) => r.id === created.id).filter).toBeNull();
    });

    it('shows a viewer no Rules link, and says at the rules URL that it needs the steward role', async () => {
      await signIn(viewerKey);
      await c.page.getByRole('link', { name: 'Incidents' }).waitFor();
      expect(await c.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Rules' }).count()).toBe(0);
      const needsSteward = c.page.getByRole('alert').filter({ hasText: 'This page needs the steward role; your credential has viewer.' });
      await c.page.goto(`${c.base}/console/rules`);
      await needsSteward.waitFor();
      await c.page.goto(`${c.base}/console/rules/new`);
      await needsSteward.waitFor();
      expect(await c.page.getByRole('textbox').count()).toBe(0);
      expect(await seriousViolations(c.page)).toEqual([]);
    });
  });

  describe('Incidents', () => {
    it('lists incidents with filters, and an incident page shows its assets and what lies downstream', async () => {
      const connector = (await c.t.http().post('/v1/connectors').set(auth())
        .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
      const send = async (table: string, severity: string) => {
        const body = JSON.stringify(incidentWebhook({ tables: [table], severity }));
        await c.t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
          .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
      };
      await send('warehouse:public.orders', 'SEV-2');
      await send('warehouse:public.customers', 'SEV-4');
      await waitFor('both incidents', async () => ((await c.t.http().get('/v1/incidents?status=open').set(auth())).body.items.length >= 2 ? true : undefined));

      await signIn();
      await c.page.getByRole('link', { name: 'Incidents' }).click();
      await c.page.getByRole('heading', { name: 'Incidents' }).waitFor();
      const table = c.page.getByRole('table', { name: 'Incidents' });
      await table.getByText('warehouse/public/customers').waitFor();
      await table.getByText('warehouse/public/orders').waitFor();

      await c.page.getByLabel('Status').selectOption('open');
      await c.page.getByLabel('Source').fill('montecarlo');
      await c.page.getByLabel('Asset (qualified name)').fill('warehouse/public/orders');
      await c.page.getByRole('button', { name: 'Filter' }).click();
      await c.page.waitForURL(/status=open/);
      await expectText(table.locator('tbody'), /warehouse\/public\/orders/);
      expect(await table.locator('tbody tr').count()).toBe(1);
      expect(await table.locator('tbody').textContent()).not.toContain('customers');
      expect(await table.locator('tbody').textContent()).toContain('SEV-2');
      expect(await seriousViolations(c.page)).toEqual([]);
      await screenshot(c.page, 'incidents');

      await c.page.getByLabel('Status').selectOption('resolved');
      await c.page.getByRole('button', { name: 'Filter' }).click();
      await c.page.getByText('No incidents match.').waitFor();
      await c.page.getByLabel('Status').selectOption('open');
      await c.page.getByRole('button', { name: 'Filter' }).click();

      // a page at a time, by the API's cursor
      await c.page.goto(`${c.base}/console/incidents?status=open&limit=1`);
      const firstPage = (await table.locator('tbody').textContent())!;
      expect(await table.locator('tbody tr').count()).toBe(1);
      await c.page.getByRole('button', { name: 'Next page' }).click();
      await c.page.waitForURL(/cursor=/);
      await expectText(table.locator('tbody'), (text) => text !== firstPage);
      const secondPage = (await table.locator('tbody').textContent())!;
      expect([firstPage, secondPage].map((text) => text.match(/warehouse\/public\/(orders|customers)/)![0]).sort())
        .toEqual(['warehouse/public/customers', 'warehouse/public/orders']);
      await c.page.getByRole('button', { name: 'First page' }).click();
      await expectText(table.locator('tbody'), (text) => text === firstPage);

      await c.page.goto(`${c.base}/console/incidents?asset=${enc('warehouse/public/orders')}`);
      await table.locator('tbody tr a').first().click();
      await c.page.waitForURL(/\/console\/incidents\/[0-9a-f-]{36}$/);
      await expectText(c.page.getByTestId('incident-summary'), /^open · SEV-2 · .* · from montecarlo/);
      const assets = c.page.getByRole('list', { name: 'Assets of the incident' });
      expect(await assets.getByRole('link').allTextContents()).toEqual(['warehouse/public/orders']);
      await expectText(c.page.getByTestId('impact-total'), '2 assets downstream within 5 hops');
      const byDepth = c.page.getByRole('table', { name: 'Assets by depth' }).locator('tbody tr');
      expect((await byDepth.allTextContents())).toEqual(['11', '21']);
      expect(await c.page.getByRole('table', { name: 'Owners affected' }).locator('tbody').textContent()).toBe('ana@example.com2');
      const downstream = c.page.getByRole('table', { name: 'Assets downstream' });
      expect(await downstream.getByRole('link').allTextContents()).toEqual(['reports/orders', 'warehouse/public/orders_daily']);
      expect(await seriousViolations(c.page)).toEqual([]);
      await screenshot(c.page, 'incident');
      await c.page.getByLabel('Hops downstream').selectOption('1');
      await expectText(c.page.getByTestId('impact-total'), '1 asset downstream within 1 hop');

      await assets.getByRole('link', { name: 'warehouse/public/orders' }).click();
      await c.page.getByRole('heading', { name: /warehouse\/public\/orders/ }).waitFor();
      expect(c.page.url()).toContain(`/console/assets/${enc('warehouse/public/orders')}`);
    });
  });

  // last: its incidents would be counted by the Incidents test's pages
  describe('Notify rules', () => {
    it('writes a notify rule: its title template checked as typed, no preview, and once saved an incident reaches Slack with that title', async () => {
      const target = (await c.t.http().post('/v1/connectors').set(auth()).send({ type: 'slack', name: 'data-alerts', config: slack.config }).expect(201)).body;
      await signIn();
      await c.page.goto(`${c.base}/console/rules/new`);
      await c.page.getByRole('heading', { name: 'New rule' }).waitFor();
      await c.page.getByLabel('Name', { exact: true }).fill('Tell data-alerts');
      await c.page.getByLabel('Action').selectOption('notify');
      // the default triggers follow the action: a notify rule's are incident changes
      const checked = async () => (await c.page.locator('.choices input:checked').evaluateAll((boxes) => boxes.map((b) => b.parentElement!.textContent!.trim())));
      expect(await checked()).toEqual(['incident.opened', 'incident.updated', 'incident.resolved']);
      for (const off of ['incident.updated', 'incident.resolved']) await c.page.getByLabel(off, { exact: true }).uncheck();
      // a notify rule reaches no asset: the depth and type fields go, the connector's come
      expect(await c.page.getByLabel(/^Hops downstream/).count()).toBe(0);
      // an admin picks a target by name: the Monte Carlo source is not offered
      const targets = c.page.getByRole('combobox', { name: /^Target connector/ });
      await expectText(targets, (text) => text.includes('data-alerts (slack)'));
      expect(await targets.textContent()).not.toContain('(montecarlo)');
      await targets.selectOption({ label: 'data-alerts (slack)' });
      await c.page.getByLabel(/^Digest seconds/).fill('0');
      await c.page.getByLabel('Filter (CEL, optional)').fill('incident.severity == "SEV-1"');
      await c.page.getByLabel('Title (CEL, optional)').fill('"[console] " + incident.title +');
      await c.page.getByTestId('expression-caret').waitFor();
      await expectCount(c.page.getByRole('button', { name: 'Save rule' }).and(c.page.locator(':disabled')), 1);
      await c.page.getByLabel('Title (CEL, optional)').fill('"[console] " + incident.title');
      await expectCount(c.page.getByTestId('expression-caret'), 0);
      await expectText(c.page.locator('.expression').nth(1).locator('.verdict'), /^Valid/);
      expect(await c.page.getByRole('button', { name: 'Preview' }).isDisabled()).toBe(true);
      await c.page.getByText('A notify rule changes no asset, so it has no preview').waitFor();
      expect(await seriousViolations(c.page)).toEqual([]);
      await c.page.getByLabel('Enabled').check();
      await c.page.getByRole('button', { name: 'Save rule' }).click();
      await c.page.getByRole('heading', { name: 'Rules' }).waitFor();
      const saved = (await c.t.http().get('/v1/rules').set(auth())).body.items.find((r: { name: string }) => r.name === 'Tell data-alerts');
      expect(saved).toMatchObject({ enabled: true, trigger: ['incident.opened'], filter: 'incident.severity == "SEV-1"',
        action: { type: 'notify', connectorId: target.id, digestSeconds: 0, template: { title: '"[console] " + incident.title' } } });

      // the rule works: a SEV-1 incident is posted with the title it makes; a SEV-3 one is not
      const mc = (await c.t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc-notify',
        config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
      for (const severity of ['SEV-3', 'SEV-1']) {
        const body = JSON.stringify(incidentWebhook({ severity, tables: ['warehouse:public.customers'] }));
        await c.t.http().post(`/v1/hooks/montecarlo/${mc.id}`).set('Content-Type', 'application/json')
          .set('x-mcd-signature', signMonteCarlo(body, mc.signingSecret)).send(body).expect(202);
      }
      const posted = await waitFor('the SEV-1 incident in Slack', async () => slack.messages()[0]);
      expect(posted.versions[0].plain).toContain('[console] ');
      expect(posted.versions[0].plain).toContain('SEV-1');
      await settled(c.t);
      expect(slack.messages()).toHaveLength(1);
      await c.t.http().patch(`/v1/rules/${saved.id}`).set(auth()).send({ enabled: false }).expect(200);
    });

    it('asks a steward, who may not list connectors, for the target\'s id, and shows the server\'s refusal of a source', async () => {
      const steward = (await c.t.http().post('/v1/api-keys').set(auth()).send({ name: 'steward', roles: ['steward'] }).expect(201)).body.key;
      const source = (await c.t.http().post('/v1/connectors').set(auth())
        .send({ type: 'montecarlo', name: 'mc-source', config: { mappings: [{ template: 'warehouse/{schema}/{table}' }] } }).expect(201)).body;
      expect((await c.t.http().get(`/v1/connectors/${source.id}`).set(auth()).expect(200)).body.kind).toBe('source');
      await signIn(steward);
      await c.page.goto(`${c.base}/console/rules/new`);
      await c.page.getByLabel('Name', { exact: true }).fill('To a source');
      await c.page.getByLabel('Action').selectOption('notify');
      await c.page.getByLabel('Target connector id').fill(source.id);
      // a trigger the steward chose is kept when the action changes, for the server to judge
      await c.page.getByLabel('asset.deleted', { exact: true }).check();
      await c.page.getByLabel('Action').selectOption('propagate_incidents');
      await c.page.getByLabel('Action').selectOption('notify');
      await c.page.getByLabel('Target connector id').fill(source.id);
      await c.page.getByRole('button', { name: 'Save rule' }).click();
      await expectText(c.page.getByRole('alert'), (text) => text.includes('not on asset.deleted (invalid_trigger)'));
      await c.page.getByLabel('asset.deleted', { exact: true }).uncheck();
      await c.page.getByRole('button', { name: 'Save rule' }).click();
      await expectText(c.page.getByRole('alert'), (text) => text.includes(`connector ${source.id} is a ${source.type} source`));
      expect(await seriousViolations(c.page)).toEqual([]);
    });
  });
});
