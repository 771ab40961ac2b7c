import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asTenantId } from '@tributary/store';
import { C, SqlQuery, T } from 'druid-query-toolkit';
import { trendBuckets } from '../trend-buckets';
import { DruidIncidentAnalytics } from './druid-incident-analytics';
import { DruidSqlClient } from './druid-sql.client';
import { DruidBindings } from './druid-statement';
import { trendSeriesOf } from './incident-trend-rows';

const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') };

describe(DruidIncidentAnalytics.name, () => {
  describe('when Druid cannot answer', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      // a port that was just free: nothing listens there
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      await new Promise((resolve) => server.close(resolve));
    });

    it('is unavailable (503) when the broker is unreachable, without naming its address', async () => {
      const analytics = new DruidIncidentAnalytics(new DruidSqlClient({ url: `http://127.0.0.1:${port}` }), async () => 'tributary_incident_facts');
      const error = await analytics.incidentSummary(asTenantId('acme'), range).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'unavailable', code: 'druid_unavailable' });
      expect((error as Error).message).not.toContain(String(port));
    });

    it('checks the range before asking Druid', async () => {
      const analytics = new DruidIncidentAnalytics(new DruidSqlClient({ url: `http://127.0.0.1:${port}` }), async () => 'tributary_incident_facts');
      await expect(analytics.incidentTrends(asTenantId('acme'), { from: range.to, to: range.from, granularity: 'day', groupBy: 'type' }))
        .rejects.toMatchObject({ kind: 'invalid', code: 'analytics_range' });
      await expect(analytics.incidentTrends(asTenantId('acme'), { from: new Date(0), to: range.to, granularity: 'hour', groupBy: 'type' }))
        .rejects.toMatchObject({ kind: 'invalid', code: 'analytics_buckets' });
    });
  });
});

describe(DruidBindings.name, () => {
  it('lists the values in the order their placeholders appear in the text, not the order they were bound', () => {
    const p = new DruidBindings();
    const tenant = p.text('acme');
    const limit = p.long(5);
    const inner = SqlQuery.create(T('facts')).changeSelectExpressions([C('incidentId')]).changeWhereExpression(C('tenant').equal(tenant));
    const statement = p.render(SqlQuery.create(inner).changeSelectExpressions([C('incidentId').lessThan(limit).as('early')]));
    expect(statement.query).not.toMatch(/\/\*/);
    expect(statement.query.indexOf('?')).toBeLessThan(statement.query.lastIndexOf('?'));
    expect(statement.parameters).toEqual([{ type: 'BIGINT', value: 5 }, { type: 'VARCHAR', value: 'acme' }]);
  });
});

describe(trendSeriesOf.name, () => {
  const days = trendBuckets(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-04T00:00:00Z'), 'day');
  const row = (key: string | null, openedBucket: number, resolvedBucket: number, incidents = 1) => ({ key, openedBucket, resolvedBucket, incidents, cut: 0 });

  it('opens in the opened bucket, resolves in the resolved one, and is open at the end of each bucket between', () => {
    expect(trendSeriesOf([row('v', 0, 2, 2), row('v', -1, 3)], days, 'type')).toEqual([{ key: 'v', points: [
      { time: days[0].start, opened: 2, resolved: 0, openAtEnd: 3 },
      { time: days[1].start, opened: 0, resolved: 0, openAtEnd: 3 },
      { time: days[2].start, opened: 0, resolved: 2, openAtEnd: 1 },
    ] }]);
  });

  it('counts an incident in each of its assets\' series, none without assets, keys in UTF-8 byte order', () => {
    const series = trendSeriesOf([row(JSON.stringify(['é', 'z', 'Z']), 1, 3), row(null, 0, 3)], days, 'asset');
    expect(series.map((s) => s.key)).toEqual(['Z', 'z', 'é']);
    expect(series[0].points.map((p) => p.opened)).toEqual([0, 1, 0]);
  });
});
