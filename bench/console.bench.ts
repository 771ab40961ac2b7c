import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ServerRepository } from '@tributary/store';
import { platformApp } from '../apps/platform/src/platform.app';
import { launchBrowser } from '../test/browser/browser';
import { startInProcessPlatform } from './support/in-process-platform';
import { distribution, Distribution, formatMs } from './support/stats';
import { latencyFigures } from './support/figures';
import { BenchSuite, Measurement } from './suite';

/** BENCH_QUICK=1: 3 runs of each, for trying the suite out, never for the record. */
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 3 : 10;
const DOWNSTREAM = 2000;
const ROOT = 'bench/root';
const FIRST_LOAD_TARGET_MS = 1500;
const LINEAGE_TARGET_MS = 2000;
const WAIT_MS = 60_000;

/**
 * The console in Debian's Chromium against the all-in-one platform started in this process:
 *  - first load to interactive: navigation start → the overview's open incidents and incident trend
 *    shown, the sign-in key already in session storage; cold (a new browser context, so an empty
 *    HTTP cache) and warm (the same context navigating again);
 *  - the lineage page of an asset with 2,000 downstream assets one hop away: navigation start → the
 *    graph laid out (elkjs) and React Flow's nodes rendered.
 * Times are the page's own `performance.now()` (milliseconds since its navigation started).
 */
export const consoleSuite: BenchSuite = {
  id: 'console',
  title: 'Console: first load and a 2,000-node lineage graph',
  run: async (progress) => {
    progress('starting the platform app on an embedded PostgreSQL');
    const platform = await startInProcessPlatform(platformApp);
    let browser: Browser | undefined;
    try {
      const admin = { Authorization: `Bearer ${platform.adminKey}`, 'Content-Type': 'application/json' };
      progress(`writing ${ROOT} with ${DOWNSTREAM} downstream assets`);
      const names = Array.from({ length: DOWNSTREAM }, (_, i) => `bench/downstream_${i}`);
      for (let i = 0; i < names.length + 1; i += 1000) {
        const assets = [ROOT, ...names].slice(i, i + 1000).map((qualifiedName) => ({ qualifiedName, typeName: 'Table' }));
        await call(`${platform.baseUrl}/v1/assets`, 'PUT', admin, { assets });
      }
      await call(`${platform.baseUrl}/v1/lineage`, 'PUT', admin, { edges: names.map((to) => ({ from: ROOT, to })) });

      browser = await launchBrowser();
      const withKey = async (context: BrowserContext) => {
        await context.addInitScript(`sessionStorage.setItem('tributary.credential', ${JSON.stringify(platform.adminKey)})`);
        return context.newPage();
      };
      const overviewUrl = `${platform.baseUrl}/console/`;
      const cold: number[] = [];
      const warm: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        progress(`first load, run ${run + 1} of ${RUNS}`);
        const context = await browser.newContext();
        try {
          const page = await withKey(context);
          cold.push(await timeTo(page, overviewUrl, overviewShown));
          warm.push(await timeTo(page, overviewUrl, overviewShown));
        } finally {
          await context.close();
        }
      }
      const lineage: number[] = [];
      const lineageUrl = `${platform.baseUrl}/console/assets/${encodeURIComponent(ROOT)}`;
      for (let run = 0; run < RUNS; run++) {
        progress(`lineage page, run ${run + 1} of ${RUNS}`);
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        try {
          lineage.push(await timeTo(await withKey(context), lineageUrl, lineageDrawn(DOWNSTREAM + 1)));
        } finally {
          await context.close();
        }
      }
      const pg = await new ServerRepository(platform.runtime.database).version();
      const dCold = distribution(cold);
      const dWarm = distribution(warm);
      const dLineage = distribution(lineage);
      const row = (name: string, d: Distribution, target?: number): Measurement => ({
        name, value: `p50 ${formatMs(d.p50)}, p95 ${formatMs(d.p95)}`,
        ...(target ? { target: { text: `≤ ${formatMs(target)}`, met: d.p95 <= target } } : {}),
      });
      return {
        postgresVersion: pg,
        parameters: [
          ['browser', 'Debian Chromium (playwright-core), headless, 1280×720 for the overview and 1280×900 for the lineage page'],
          ['runs', `${RUNS} of each${QUICK ? ' (BENCH_QUICK)' : ''}`],
          ['lineage', `${ROOT} with ${DOWNSTREAM} downstream assets one hop away, shown at the asset page's default depth (3)`],
        ],
        measurements: [
          row('first load to interactive, cold cache', dCold, FIRST_LOAD_TARGET_MS),
          row('first load to interactive, warm cache', dWarm, FIRST_LOAD_TARGET_MS),
          row(`lineage page with ${DOWNSTREAM + 1} nodes until drawn`, dLineage, LINEAGE_TARGET_MS),
        ],
        figures: [
          ...latencyFigures('first-load.cold', 'console first load to interactive, cold cache', dCold, { p: 'p95', ms: FIRST_LOAD_TARGET_MS }),
          ...latencyFigures('first-load.warm', 'console first load to interactive, warm cache', dWarm, { p: 'p95', ms: FIRST_LOAD_TARGET_MS }),
          ...latencyFigures('lineage-2000.drawn', 'lineage page with 2,000 downstream assets until drawn', dLineage, { p: 'p95', ms: LINEAGE_TARGET_MS }),
        ],
        notes: [
          'Times are the page\'s performance.now() when the condition first held (polled every animation frame): milliseconds since navigation start.',
          'First load: until the overview\'s open-incident count and its incident trend (table and chart) are shown. Cold: a new browser context, '
            + 'so no HTTP cache; warm: the same context navigating to the console again.',
          'Lineage: until elkjs laid out every node (the count shows them all) and React Flow rendered nodes with the view fitted; '
            + 'onlyRenderVisibleElements means only the nodes in view are in the DOM.',
          'Targets from issue #16 (p95): first load ≤ 1.5 s, lineage with 2,000 nodes ≤ 2 s.',
        ],
      };
    } finally {
      await browser?.close();
      await platform.stop();
    }
  },
};

/** What the page shows once the overview's data is in (an expression run in the page). */
const overviewShown = '/Open incidents: \\d/.test(document.getElementById("open-heading")?.textContent ?? "")'
  + ' && !!document.querySelector(\'[data-testid="trend-summary"]\') && !!document.querySelector(\'[data-testid="trend-chart"] svg\')';

/** The lineage laid out with every node and drawn by React Flow (runs in the page). */
const lineageDrawn = (nodes: number) => `(document.querySelector('[data-testid="lineage-count"]')?.textContent ?? '').startsWith('${nodes} assets')`
  + ' && document.querySelectorAll(".react-flow__node").length > 0'
  + ' && !!document.querySelector(".react-flow__viewport")?.style.transform';

/** Navigates and answers the page's clock when `shown` first holds. */
async function timeTo(page: Page, url: string, shown: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  const at = await page.waitForFunction(`(${shown}) ? performance.now() : false`, undefined, { polling: 'raf', timeout: WAIT_MS });
  return (await at.jsonValue()) as number;
}

async function call(url: string, method: string, headers: Record<string, string>, body: unknown): Promise<void> {
  const res = await fetch(url, { method, headers, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
}
