import { C, F, L, SqlCase, SqlExpression, SqlQuery, T } from 'druid-query-toolkit';
import type { TrendGroupBy } from '../incident-analytics';
import { DruidBindings, DruidStatement } from './druid-statement';

/*
 * The Druid SQL of incident analytics over the incident-facts datasource (druid-specs/), one row per
 * incident state change. An incident's state is its newest fact, the one with the highest `sequence`:
 * each query first reduces a tenant's facts to one row per incident with LATEST_BY(…, sequence) (a
 * replayed fact has the same sequence and the same content, so a tie picks the same values), then
 * aggregates those rows. Druid runs that as a groupBy nested in a groupBy, which it does not
 * materialise as a subquery: maxSubqueryRows does not apply (a join or a window over the per-incident
 * rows would be held on the broker and is refused past 100,000 rows).
 */

/** LATEST_BY orders by a timestamp: the sequence, read as milliseconds, is one. */
const BY_SEQUENCE = F('MILLIS_TO_TIMESTAMP', C('sequence'));
const newest = (ex: SqlExpression) => F('LATEST_BY', ex, BY_SEQUENCE);
const newestText = (ex: SqlExpression, maxBytes: number) => F('LATEST_BY', ex, BY_SEQUENCE, L(maxBytes));

/** The value an incident is grouped by, from one fact; assets as a JSON array (quoted names, any characters). */
const GROUP_VALUE: Record<TrendGroupBy, SqlExpression> = {
  type: C('type'),
  severity: F('COALESCE', C('severity'), L('none')),
  source: C('source'),
  status: C('status'),
  asset: F('TO_JSON_STRING', F('MV_TO_ARRAY', C('assets'))),
};

/** One tenant's facts reduced to one row per incident, its newest fact's values under the given names. */
function newestPerIncident(datasource: string, tenant: SqlExpression, columns: SqlExpression[]): SqlQuery {
  return SqlQuery.create(T(datasource))
    .changeSelectExpressions([C('incidentId'), ...columns])
    .changeWhereExpression(C('tenant').equal(tenant))
    .changeGroupByExpressions([C('incidentId')]);
}

/** The trends' buckets as Druid sees them: `count` buckets of `step` ms from `first` (ms since the epoch). */
export interface BucketGrid {
  first: number;
  step: number;
  count: number;
}

/**
 * One row per group value and pair of buckets: how many incidents were opened in bucket
 * `openedBucket` (-1: before the first) and resolved in `resolvedBucket` (`count`: not within the
 * buckets, or never). The caller spreads them over the buckets (incident-trend-rows.ts).
 */
export interface TrendCountRow {
  /** the group value; for assets a JSON array of names, null for an incident without assets */
  key: string | null;
  openedBucket: number;
  resolvedBucket: number;
  incidents: number;
  /** how many of them had a group value longer than `maxKeyBytes`, cut by LATEST_BY: then ask again with more */
  cut: number;
}

/**
 * The incidents that touch the buckets' extent (opened before its end, not resolved before its
 * start), counted per group value and (opened, resolved) bucket pair. LATEST_BY keeps at most
 * `maxKeyBytes` of a text, and reserves that much per incident in Druid's merge buffers, hence a small
 * first guess and the `cut` count that says when it was too small.
 */
export function trendCountsStatement(datasource: string, tenant: string, groupBy: TrendGroupBy, grid: BucketGrid, maxKeyBytes: number): DruidStatement {
  const p = new DruidBindings();
  const value = GROUP_VALUE[groupBy];
  const incidents = newestPerIncident(datasource, p.text(tenant), [
    newestText(value, maxKeyBytes).as('key'),
    newest(F('CHAR_LENGTH', value)).as('keyLength'),
    newest(C('openedAt')).as('openedAt'),
    newest(C('resolvedAt')).as('resolvedAt'),
  ]);
  const first = p.long(grid.first);
  const end = p.long(grid.first + grid.step * grid.count);
  // whole buckets since the first (both operands are longs: Druid divides them as integers, and they are not negative here)
  const bucketOf = (column: string) => C(column).subtract(p.long(grid.first)).divide(p.long(grid.step));
  const query = SqlQuery.create(incidents)
    .changeSelectExpressions([
      C('key'),
      SqlCase.ifThenElse(C('openedAt').lessThan(p.long(grid.first)), -1, bucketOf('openedAt')).as('openedBucket'),
      SqlCase.ifThenElse(C('resolvedAt').isNull().or(C('resolvedAt').greaterThanOrEqual(p.long(grid.first + grid.step * grid.count))),
        p.long(grid.count), bucketOf('resolvedAt')).as('resolvedBucket'),
      F.count().as('incidents'),
      F.sum(SqlCase.ifThenElse(F('CHAR_LENGTH', C('key')).lessThan(C('keyLength')), 1, 0)).as('cut'),
    ])
    .changeWhereExpression(C('openedAt').lessThan(end).and(C('resolvedAt').isNull().or(C('resolvedAt').greaterThanOrEqual(first))))
    .changeGroupByExpressions([L(1), L(2), L(3)]);
  return p.render(query);
}

/** Sums over the tenant's incidents; the means are divided out by the caller (exact integer sums here). */
export interface SummaryRow {
  openNow: number | null;
  opened: number;
  resolved: number;
  acknowledged: number;
  acknowledgeMillis: number | null;
  resolvedOfOpened: number;
  resolveMillis: number | null;
}

export function summaryStatement(datasource: string, tenant: string, range: { from: Date; to: Date }): DruidStatement {
  const p = new DruidBindings();
  const incidents = newestPerIncident(datasource, p.text(tenant), [
    newest(SqlCase.ifThenElse(C('status').equal(L('open')), 1, 0)).as('isOpen'),
    newest(C('openedAt')).as('openedAt'),
    newest(C('acknowledgedAt')).as('acknowledgedAt'),
    newest(C('resolvedAt')).as('resolvedAt'),
  ]);
  const inRange = (column: string) => C(column).greaterThanOrEqual(p.long(range.from.getTime())).and(C(column).lessThan(p.long(range.to.getTime())));
  const countIf = (condition: SqlExpression) => F.sum(SqlCase.ifThenElse(condition, 1, 0));
  const sumIf = (ex: SqlExpression, condition: SqlExpression) => F.sum(SqlCase.ifThenElse(condition, ex, L.NULL));
  const query = SqlQuery.create(incidents).changeSelectExpressions([
    F.sum(C('isOpen')).as('openNow'),
    countIf(inRange('openedAt')).as('opened'),
    countIf(inRange('resolvedAt')).as('resolved'),
    countIf(inRange('openedAt').and(C('acknowledgedAt').isNotNull())).as('acknowledged'),
    sumIf(C('acknowledgedAt').subtract(C('openedAt')), inRange('openedAt').and(C('acknowledgedAt').isNotNull())).as('acknowledgeMillis'),
    countIf(inRange('openedAt').and(C('resolvedAt').isNotNull())).as('resolvedOfOpened'),
    sumIf(C('resolvedAt').subtract(C('openedAt')), inRange('openedAt').and(C('resolvedAt').isNotNull())).as('resolveMillis'),
  ]);
  return p.render(query);
}
