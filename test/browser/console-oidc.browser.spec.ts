import type { Browser, BrowserContext, Page } from 'playwright-core';
import { platformApp } from '../../apps/platform/src/platform.app';
import { FakeOidcIssuer } from '../support/fakes/oidc-issuer-fake';
import { startTestApp, TestApp } from '../support/test-app';
import { launchBrowser, seriousViolations } from './browser';

const AUDIENCE = 'api://tributary';
const CLIENT_ID = 'tributary-console';

/** Single sign-on in the console: Authorization Code with PKCE against a local OIDC issuer, its token the console's credential. */
describe('Console single sign-on (browser)', () => {
  let issuer: FakeOidcIssuer;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    issuer = await new FakeOidcIssuer(CLIENT_ID, AUDIENCE, { sub: 'ana@acme.io', claims: { tenant: 'default', groups: ['data-stewards'] } }).start();
    t = await startTestApp({ parts: platformApp, config: { oidcIssuer: issuer.url, oidcAudience: AUDIENCE, oidcConsoleClientId: CLIENT_ID,
      oidcGroupRoles: 'data-stewards=steward' } });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await launchBrowser();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterEach(async () => { await context.close(); });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await issuer?.close();
  });

  it('signs in through the issuer with PKCE, and the token\'s groups decide the roles shown', async () => {
    await page.goto(`${base}/console/sign-in`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`^${base}/console/?$`));
    await page.locator('.who').filter({ hasText: 'default · steward' }).waitFor();
    const authorize = issuer.requests.find((r) => r.path === '/authorize')!;
    expect(authorize.query).toMatchObject({ client_id: CLIENT_ID, response_type: 'code', code_challenge_method: 'S256',
      redirect_uri: `${base}/console/callback` });
    const token = issuer.requests.find((r) => r.path === '/token')!;
    expect(token.form).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT_ID });
    expect(token.form.code_verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    // a steward, not an admin: no admin pages
    expect(await page.getByRole('link', { name: 'Connectors' }).count()).toBe(0);
  });

  it('says so when the issuer refuses the code, and keeps no credential', async () => {
    await page.goto(`${base}/console/sign-in`);
    // the issuer sends the person back with a code it never issued
    await page.goto(`${base}/console/callback?code=forged&state=forged`);
    await page.getByRole('alert').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("tributary.credential")')).toBeNull();
  });

  it('offers no single sign-on where none is configured', async () => {
    // the api app (which serves the console too): one process holds one embedded analytics engine, the platform's above
    const plain = await startTestApp();
    try {
      await plain.app.listen(0, '127.0.0.1');
      const plainBase = (await plain.app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await plain.http().get('/v1/console/config').expect(200)).body).toEqual({ oidc: null });
      await page.goto(`${plainBase}/console/sign-in`);
      await page.getByLabel('API key').waitFor();
      expect(await page.getByRole('button', { name: 'Sign in with single sign-on' }).count()).toBe(0);
    } finally {
      await plain.close();
    }
  });
});
