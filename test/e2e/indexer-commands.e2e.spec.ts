import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { TenantClient } from '../support/tenant-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');
/** The commands as built (`npm test` builds dist/ first; alone: `node scripts/ensure-built.js`). */
const REBUILD = join(ROOT, 'dist', 'apps', 'indexer', 'src', 'rebuild.js');
const INDEXER = join(ROOT, 'dist', 'apps', 'indexer', 'src', 'main.js');
const RAW = 'snowflake/acme/RAW/PUBLIC/PAYMENTS';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const REPORT = 'looker/acme/reports/orders';

const run = (script: string, args: string[], env: NodeJS.ProcessEnv) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  execFile(process.execPath, [script, ...args], { cwd: ROOT, env }, (err, stdout, stderr) =>
    resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
});

describe('npm run start:indexer', () => {
  it('refuses to start without a ClickHouse server, saying what to set and where the embedded engine runs', async () => {
    const started = await run(INDEXER, [], { ...process.env, CLICKHOUSE_URL: '' });
    expect(started.code).toBe(2);
    expect(started.stderr).toMatch(/the indexer needs a ClickHouse server: set CLICKHOUSE_URL/);
    expect(started.stderr).toMatch(/npm start/);
  });
});

/**
 * `npm run analytics:rebuild` on the platform's own stores: PostgreSQL by DATABASE_URL and the
 * embedded engine in the platform's data directory, which one process holds at a time.
 */
describe('npm run analytics:rebuild', () => {
  let t: TestApp;
  let env: NodeJS.ProcessEnv;
  const rebuild = (...args: string[]) => run(REBUILD, args, env);

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    env = { ...process.env, DATABASE_URL: t.databaseUrl, TRIBUTARY_ENCRYPTION_KEY: t.runtime.config.encryptionKey, TRIBUTARY_DATA_DIR: t.dataDir,
      CLICKHOUSE_URL: '' };
    const acme = new TenantClient(t, t.adminKey);
    await acme.assets([{ qualifiedName: RAW, typeName: 'Table' }, { qualifiedName: ORDERS, typeName: 'Table', owner: 'bo@acme.io' },
      { qualifiedName: REPORT, typeName: 'Report' }]);
    await acme.edges([[RAW, ORDERS], [ORDERS, REPORT]]);
    await acme.incident({ incidentId: 'mc-1', tables: ['raw:public.payments', 'analytics:public.orders'] });
    await t.http().delete(`/v1/assets/${encodeURIComponent(REPORT)}`).set(acme.auth).expect(200);
    await waitFor('the platform to index it all', async () => {
      const c = await t.runtime.analytics!.counts(asTenantId('default'));
      return c.incidents === 1 && c.edges === 1 ? c : undefined;
    }, 30_000);
  });
  afterAll(async () => { await t.close(); });

  it('refuses to run while the platform holds the embedded engine\'s data directory, saying to stop it', async () => {
    const run = await rebuild();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/stop it and run the rebuild again/);
  });

  it('with the platform stopped, reloads every tenant from PostgreSQL and shows equal counts', async () => {
    await t.stop();
    const run = await rebuild();
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^tenant default \(reloaded as of change \d+\): equal$/m);
    expect(run.stdout).toMatch(/^ {2}edges +1 +1 *$/m);
    expect(run.stdout).toMatch(/^ {2}incidents +1 +1 *$/m);
  });

  it('reloads one tenant with --tenant, and refuses a tenant that does not exist', async () => {
    const one = await rebuild('--tenant', 'default');
    expect(one.code).toBe(0);
    expect(one.stdout.match(/^tenant /gm)).toHaveLength(1);
    const unknown = await rebuild('--tenant', 'nobody');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/no tenant "nobody"/)]);
  });
});
