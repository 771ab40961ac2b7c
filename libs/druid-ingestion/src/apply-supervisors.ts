import { DruidOverlord } from './druid-overlord';
import { pooledDatasource } from './incident-facts-datasources';
import { DatasourceSpec } from './supervisor-specs';

/**
 * Retention of incident facts: 13 months by the time of the change (a year of trends and the month
 * it started), then dropped from the cluster. An incident still open whose every fact is older leaves
 * Druid's counts with them; the analytics store (ClickHouse) keeps every incident.
 */
export const RETENTION_RULES = [
  { type: 'loadByPeriod', period: 'P13M', includeFuture: true, tieredReplicants: { _default_tier: 1 } },
  { type: 'dropForever' },
];

export interface ApplyReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** dedicated tenants' supervisors of this topic prefix that Druid runs and no tenant needs any more (the tenant removed): left alone */
  unmanaged: string[];
}

/**
 * Submits each supervisor whose stored spec differs from the wanted one (by the hash in its context)
 * and sets the datasource's retention rules where they differ: running it again changes nothing and
 * restarts no task.
 */
export async function applySupervisors(overlord: DruidOverlord, topicPrefix: string, specs: DatasourceSpec[]): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [], unchanged: [], unmanaged: [] };
  for (const { datasource, supervisor } of specs) {
    const stored = await overlord.supervisor(datasource);
    const storedHash = (stored?.context as Record<string, unknown> | undefined)?.tributarySpecHash;
    const wantedHash = (supervisor.context as Record<string, unknown>).tributarySpecHash;
    if (stored && storedHash === wantedHash) {
      report.unchanged.push(datasource);
    } else {
      await overlord.submit(supervisor);
      (stored ? report.updated : report.created).push(datasource);
    }
    if (JSON.stringify(await overlord.rules(datasource)) !== JSON.stringify(RETENTION_RULES)) await overlord.setRules(datasource, RETENTION_RULES);
  }
  const wanted = new Set(specs.map((s) => s.datasource));
  report.unmanaged = (await overlord.supervisors()).filter((id) => id.startsWith(`${pooledDatasource(topicPrefix)}_`) && !wanted.has(id)).sort();
  return report;
}
