import { FakeOidcIssuer } from '../support/fakes/oidc-issuer-fake';
import { startTestApp } from '../support/test-app';
import { seriousViolations } from './browser';
import { consoleFixture } from './console-fixture';

const AUDIENCE = 'api://tributary';
const CLIENT_ID = 'tributary-console';

/** Single sign-on in the console: Authorization Code with PKCE against a local OIDC issuer, its token the console's credential. */
describe('Console single sign-on (browser)', () => {
  let issuer: FakeOidcIssuer;
  beforeAll(async () => {
    issuer = await new FakeOidcIssuer(CLIENT_ID, AUDIENCE, { sub: 'ana@acme.io', claims: { tenant: 'default', groups: ['data-stewards'] } }).start();
  });
  afterAll(async () => { await issuer?.close(); });
  const c = consoleFixture({ config: () => ({ oidcIssuer: issuer.url, oidcAudience: AUDIENCE, oidcConsoleClientId: CLIENT_ID,
    oidcGroupRoles: 'data-stewards=steward' }) });

  it('signs in through the issuer with PKCE, and the token\'s groups decide the roles shown', async () => {
    await c.page.goto(`${c.base}/console/sign-in`);
    expect(await seriousViolations(c.page)).toEqual([]);
    await c.page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await c.page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(c.page.url()).toMatch(new RegExp(`^${c.base}/console/?$`));
    await c.page.locator('.who').filter({ hasText: 'default · steward' }).waitFor();
    const authorize = issuer.requests.find((r) => r.path === '/authorize')!;
    expect(authorize.query).toMatchObject({ client_id: CLIENT_ID, response_type: 'code', code_challenge_method: 'S256',
      redirect_uri: `${c.base}/console/callback` });
    const token = issuer.requests.find((r) => r.path === '/token')!;
    expect(token.form).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT_ID });
    expect(token.form.code_verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    // a steward, not an admin: no admin pages
    expect(await c.page.getByRole('link', { name: 'Connectors' }).count()).toBe(0);
  });

  it('says so when the issuer refuses the code, and keeps no credential', async () => {
    await c.page.goto(`${c.base}/console/sign-in`);
    // the issuer sends the person back with a code it never issued
    await c.page.goto(`${c.base}/console/callback?code=forged&state=forged`);
    await c.page.getByRole('alert').waitFor();
    expect(await c.page.evaluate('sessionStorage.getItem("tributary.credential")')).toBeNull();
    expect(await seriousViolations(c.page)).toEqual([]);
  });

  it('offers no single sign-on where none is configured', async () => {
    // the api app (which serves the console too): one process holds one embedded analytics engine, the platform's above
    const plain = await startTestApp();
    try {
      await plain.app.listen(0, '127.0.0.1');
      const plainBase = (await plain.app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await plain.http().get('/v1/console/config').expect(200)).body).toEqual({ oidc: null });
      await c.page.goto(`${plainBase}/console/sign-in`);
      await c.page.getByLabel('API key').waitFor();
      expect(await c.page.getByRole('button', { name: 'Sign in with single sign-on' }).count()).toBe(0);
    } finally {
      await plain.close();
    }
  });
});
