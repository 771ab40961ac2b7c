import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { Browser, chromium, Locator, Page } from 'playwright-core';

/** Debian's Chromium, which the project's setup installs where missing (scripts/ensure-chromium.sh). */
export const CHROMIUM = process.env.TRIBUTARY_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests write their screenshots (not committed; CI keeps them as artifacts). */
export const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI and this machine run as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical violations on the page as it is now: what the console must have none of. */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string | null | undefined; nodes: string[] }[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Polls until the locator's text matches (up to 15 s: a generous wait, never a measure of speed). */
export async function expectText(locator: Locator, expected: string | RegExp | ((text: string) => boolean)): Promise<void> {
  const matches = (text: string) => (typeof expected === 'string' ? text.trim() === expected
    : expected instanceof RegExp ? expected.test(text) : expected(text));
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout: 5_000 }).catch(() => '')) ?? '';
    if (matches(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(expected)}, the page shows ${JSON.stringify(last)}`);
}

/** Polls until the locator finds this many elements (up to 15 s). */
export async function expectCount(locator: Locator, expected: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = -1;
  while (Date.now() < deadline) {
    last = await locator.count();
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${expected} elements, the page has ${last}`);
}
