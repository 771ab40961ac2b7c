import { DomainError } from '@tributary/errors';
import type { TenantId } from '@tributary/store';
import type { IncidentAnalytics, IncidentSummary, TrendQuery, TrendSeries } from '../incident-analytics';
import { checkRange, trendBuckets } from '../trend-buckets';
import type { DruidSqlClient } from './druid-sql.client';
import { datasourceName, IncidentFactsDatasourceOf } from './incident-facts.datasource';
import { SummaryRow, summaryStatement, TrendCountRow, trendCountsStatement } from './incident-facts.queries';
import { trendSeriesOf } from './incident-trend-rows';

/**
 * LATEST_BY's room for a group value, first and at most. Druid reserves it per incident in its merge
 * buffers (with 32 MiB buffers, 1,024 bytes did not fit ~85,000 incidents, and 128 bytes did not fit
 * 100,000), so the first guess is small (most types, severities, sources and statuses fit) and a cut
 * value asks again with eight times more.
 */
const FIRST_KEY_BYTES = 32;
const MAX_KEY_BYTES = 1 << 20;

/**
 * Incident analytics on Druid (DRUID_URL): the tenant's incident-facts datasource, its newest fact per
 * incident (incident-facts.queries.ts). A datasource Druid does not know yet (nothing ingested for it)
 * answers like an empty one.
 */
export class DruidIncidentAnalytics implements IncidentAnalytics {
  readonly engine = 'druid' as const;

  constructor(
    private readonly druid: DruidSqlClient,
    private readonly datasourceOf: IncidentFactsDatasourceOf,
  ) {}

  async incidentTrends(tenantId: TenantId, query: TrendQuery): Promise<TrendSeries[]> {
    const buckets = trendBuckets(query.from, query.to, query.granularity);
    const datasource = datasourceName(await this.datasourceOf(tenantId));
    // buckets are uniform in UTC (an hour, a day or a week each)
    const grid = { first: buckets[0].start.getTime(), step: buckets[0].end.getTime() - buckets[0].start.getTime(), count: buckets.length };
    for (let maxKeyBytes = FIRST_KEY_BYTES; ; maxKeyBytes *= 8) {
      const rows = await this.orEmpty(datasource, this.druid.rows<TrendCountRow>(trendCountsStatement(datasource, tenantId, query.groupBy, grid, maxKeyBytes)));
      if (!rows.some((r) => r.cut > 0)) return trendSeriesOf(rows, buckets, query.groupBy);
      if (maxKeyBytes >= MAX_KEY_BYTES) {
        throw new DomainError('unavailable', 'druid_group_value_too_long', `a ${query.groupBy} value is longer than ${MAX_KEY_BYTES} bytes: too long to group by on Druid`);
      }
    }
  }

  async incidentSummary(tenantId: TenantId, query: { from: Date; to: Date }): Promise<IncidentSummary> {
    checkRange(query.from, query.to);
    const datasource = datasourceName(await this.datasourceOf(tenantId));
    const [row] = await this.orEmpty(datasource, this.druid.rows<SummaryRow>(summaryStatement(datasource, tenantId, query)));
    // sums of whole milliseconds, divided once: no rounding before the mean
    const mean = (millis: number | null | undefined, count: number | undefined) => (count ? Number(millis) / count / 1000 : null);
    return {
      openNow: row?.openNow ?? 0,
      opened: row?.opened ?? 0,
      resolved: row?.resolved ?? 0,
      meanSecondsToAcknowledge: mean(row?.acknowledgeMillis, row?.acknowledged ?? 0),
      meanSecondsToResolve: mean(row?.resolveMillis, row?.resolvedOfOpened ?? 0),
    };
  }

  /** No datasource yet: nothing was ingested for it, so there is nothing to count. */
  private async orEmpty<T>(datasource: string, rows: Promise<T[]>): Promise<T[]> {
    try {
      return await rows;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'druid_datasource_unknown' && error.details?.datasource === datasource) return [];
      throw error;
    }
  }
}
