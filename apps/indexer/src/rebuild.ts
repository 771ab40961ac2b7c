import { ConfigError, loadConfig } from '@tributary/config';
import { AnalyticsRebuild, RebuildReport } from '@tributary/indexing';
import { embeddedAnalyticsPath, Runtime, startRuntime, stopRuntime } from '@tributary/platform';
import { asTenantId, TenantId, TenantsRepository } from '@tributary/store';

/**
 * `npm run analytics:rebuild [-- --tenant <id>]`: reloads the analytics store from PostgreSQL, for
 * every tenant or one, and proves it by PostgreSQL's counts beside the store's. Exits 0 when every
 * count agrees, 1 when one differs, 2 on bad usage or configuration, 3 when the stores cannot be
 * opened (the embedded ones while the platform runs).
 */
async function main(argv: string[]): Promise<number> {
  let tenant: TenantId | undefined;
  try {
    tenant = tenantOf(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run analytics:rebuild [-- --tenant <id>]`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
  let runtime: Runtime;
  try {
    runtime = await startRuntime(config, () => {}, { embeddedAnalytics: true });
  } catch (err) {
    const embedded = [!config.databaseUrl && 'PostgreSQL', !config.clickhouseUrl && `ClickHouse (${embeddedAnalyticsPath(config)})`].filter(Boolean);
    console.error(embedded.length > 0
      ? `could not open the stores: ${String((err as Error).message ?? err)}\nthe embedded ${embedded.join(' and ')} under TRIBUTARY_DATA_DIR open in one process at a time: `
        + 'if the platform is running on this data directory, stop it and run the rebuild again (or point CLICKHOUSE_URL and DATABASE_URL at servers)'
      : `could not open the stores: ${String((err as Error).message ?? err)}`);
    return 3;
  }
  try {
    const known = (await new TenantsRepository(runtime.database).list()).map((t) => t.id);
    if (tenant && !known.includes(tenant)) {
      console.error(`no tenant ${JSON.stringify(tenant)} (tenants: ${known.join(', ')})`);
      return 2;
    }
    const rebuild = new AnalyticsRebuild(runtime.database, runtime.analytics!);
    let equal = true;
    for (const id of tenant ? [tenant] : known) {
      const report = await rebuild.rebuild(id);
      console.log(render(report));
      equal &&= report.equal;
    }
    return equal ? 0 : 1;
  } finally {
    await stopRuntime(runtime);
  }
}

function tenantOf(argv: string[]): TenantId | undefined {
  const at = argv.findIndex((a) => a === '--tenant' || a.startsWith('--tenant='));
  const unknown = argv.filter((_, i) => i !== at && !(argv[at] === '--tenant' && i === at + 1));
  if (unknown.length > 0) throw new Error(`unknown argument ${JSON.stringify(unknown[0])}`);
  if (at < 0) return undefined;
  const value = argv[at] === '--tenant' ? argv[at + 1] : argv[at].slice('--tenant='.length);
  if (!value) throw new Error('--tenant needs a tenant id');
  try {
    return asTenantId(value);
  } catch {
    throw new Error(`not a tenant id: ${JSON.stringify(value)}`);
  }
}

/** The tenant's counts, PostgreSQL beside the analytics store. */
function render(r: RebuildReport): string {
  const row = (what: string, postgres: string, analytics: string, mark = '') => `  ${what.padEnd(16)}${postgres.padStart(12)}${analytics.padStart(12)}  ${mark}`;
  return [
    `tenant ${r.tenantId} (reloaded as of change ${r.version}): ${r.equal ? 'equal' : 'DIFFERENT'}`,
    row('', 'postgres', 'analytics'),
    ...r.counts.map((c) => row(c.what, String(c.postgres), String(c.analytics), c.postgres === c.analytics ? '' : '<- differs')),
    row('closure pairs', '-', String(r.closurePairs)),
  ].join('\n');
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
