import type { Browser, BrowserContext, Page } from 'playwright-core';
import { platformApp } from '../../apps/platform/src/platform.app';
import type { Config } from '@tributary/config';
import { startTestApp, TestApp } from '../support/test-app';
import { launchBrowser } from './browser';

export interface ConsoleFixtureOptions {
  /** the platform's configuration, read when the platform starts (a fake issuer's URL is known only then) */
  config?: () => Partial<Config>;
  /** each test's browser window; Chromium's default when absent */
  viewport?: { width: number; height: number };
  /** what the spec's tests share, made once the platform listens (assets, lineage, connectors) */
  setup?: (t: TestApp) => Promise<void>;
}

export interface ConsoleFixture {
  /** the all-in-one platform, as `npm start` runs it, listening on 127.0.0.1 */
  readonly t: TestApp;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** this test's page, in a browser context of its own: its own session storage, as a new tab has */
  readonly page: Page;
  /** the admin key's Authorization header, for the API calls a test makes itself */
  auth(): { Authorization: string };
  /** Signs in on the sign-in page with an API key (the admin's when none is given) and waits for the overview. */
  signIn(key?: string): Promise<void>;
}

/**
 * The console's browser specs' shared frame: registers the jest hooks that start the platform and
 * Chromium once per spec, give each test a fresh context, and stop both at the end.
 */
export function consoleFixture(options: ConsoleFixtureOptions = {}): ConsoleFixture {
  let t: TestApp | undefined;
  let base = '';
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: options.config?.() });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    await options.setup?.(t);
    browser = await launchBrowser();
  });
  beforeEach(async () => {
    context = await browser!.newContext(options.viewport ? { viewport: options.viewport } : {});
    page = await context.newPage();
  });
  afterEach(async () => { await context?.close(); });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const fixture: ConsoleFixture = {
    get t() { return t!; },
    get base() { return base; },
    get page() { return page!; },
    auth: () => ({ Authorization: `Bearer ${t!.adminKey}` }),
    async signIn(key = t!.adminKey) {
      await page!.goto(`${base}/console/sign-in`);
      await page!.getByLabel('API key').fill(key);
      await page!.getByRole('button', { name: 'Sign in' }).click();
      await page!.getByRole('heading', { name: 'Overview' }).waitFor();
    },
  };
  return fixture;
}
