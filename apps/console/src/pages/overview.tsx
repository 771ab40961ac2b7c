import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, enc, explain, Hotspots, Incident, IncidentList, Lag, Trends } from '../api';
import { TrendChart, TrendTable } from './trend-chart';

const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4'];

/**
 * Open incidents by severity and the most recent of them, how far behind the pipeline runs, the
 * incident trend and the most affected assets; kept current by the layout's change feed.
 */
export function Overview() {
  const open = useQuery({ queryKey: ['incidents', 'open'], queryFn: () => api<IncidentList>('/v1/incidents?status=open&limit=200') });
  if (open.error) return <p role="alert" className="error">{explain(open.error)}</p>;
  const items = open.data?.items ?? [];
  const bySeverity = new Map<string, number>();
  for (const i of items) bySeverity.set(i.severity ?? 'none', (bySeverity.get(i.severity ?? 'none') ?? 0) + 1);
  const severities = [...SEVERITIES, ...[...bySeverity.keys()].filter((s) => !SEVERITIES.includes(s)).sort()];
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="open-heading">
        <h2 id="open-heading">Open incidents{open.data ? `: ${items.length}${open.data.nextCursor ? '+' : ''}` : ''}</h2>
        <ul className="tiles" aria-label="Open incidents by severity">
          {severities.map((s) => (
            <li key={s} className={`tile sev-${s.toLowerCase()}`}>
              <span className="count" data-testid={`open-${s}`}>{bySeverity.get(s) ?? 0}</span>
              <span className="label">{s}</span>
            </li>
          ))}
        </ul>
        {open.isPending ? <p>Loading…</p> : <IncidentTable incidents={items.slice(0, 20)} />}
      </section>
      <PipelineLagTiles />
      <IncidentTrend />
      <MostAffected />
    </>
  );
}

function IncidentTable({ incidents }: { incidents: Incident[] }) {
  if (incidents.length === 0) return <p>No open incidents.</p>;
  return (
    <table aria-label="Most recent open incidents">
      <thead>
        <tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Type</th><th scope="col">Source</th><th scope="col">Updated</th></tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr key={i.id}>
            <td>{i.title}</td>
            <td>{i.severity ?? '—'}</td>
            <td>{i.type}</td>
            <td>{i.source}</td>
            <td><time dateTime={i.updatedAt}>{new Date(i.updatedAt).toLocaleString()}</time></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Latency is recorded as work finishes, which the change feed does not announce: asked again now and then.
const LAG_REFRESH_MS = 10_000;
const STAGES: Record<Lag['stages'][number]['stage'], { name: string; measures: string }> = {
  ingest: { name: 'Ingest', measures: 'webhook or delivery received until applied' },
  propagation: { name: 'Propagation', measures: 'change until the writes it propagates are committed' },
};
const ms = (v: number) => (v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(v < 10_000 ? 1 : 0)} s`);

/** How far behind ingest and propagation ran for the tenant over the last 15 minutes (GET /v1/metrics/lag). */
function PipelineLagTiles() {
  const lag = useQuery({ queryKey: ['metrics', 'lag'], queryFn: () => api<Lag>('/v1/metrics/lag?window=15m'), refetchInterval: LAG_REFRESH_MS });
  return (
    <section aria-labelledby="lag-heading">
      <h2 id="lag-heading">Pipeline lag</h2>
      {lag.error ? <p role="alert" className="error">{explain(lag.error)}</p>
        : !lag.data ? <p>Loading…</p> : (
          <ul className="tiles" aria-label="Pipeline lag by stage, last 15 min">
            {lag.data.stages.map((s) => (
              <li key={s.stage} className="tile" data-testid={`lag-${s.stage}`}>
                <span className="label">{STAGES[s.stage].name}: {STAGES[s.stage].measures}</span>
                {s.count === 0 || s.p95Ms === null || s.maxMs === null ? <span>nothing in the last 15 min</span> : (
                  <>
                    <span className="count">{ms(s.p95Ms)}</span>
                    <span>p95, max {ms(s.maxMs)}</span>
                    <span data-testid={`lag-${s.stage}-count`}>{s.count} in the last 15 min</span>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

const HOUR = 3_600_000;
// The analytics store takes in an incident a moment after the change feed tells of it: the change
// stream's refresh can come too early, so analytics are also asked again now and then.
const ANALYTICS_REFRESH_MS = 10_000;

/** Incidents opened over the last 7 or 30 days, per hour or day, grouped as chosen. */
function IncidentTrend() {
  const [days, setDays] = useState(7);
  const [granularity, setGranularity] = useState<'hour' | 'day'>('day');
  const [groupBy, setGroupBy] = useState<'type' | 'severity' | 'source'>('severity');
  const trends = useQuery({
    queryKey: ['incidents', 'trends', days, granularity, groupBy],
    queryFn: () => {
      // up to the end of the current hour, so that this hour's (and today's) incidents are in
      const to = new Date(Math.ceil((Date.now() + 1) / HOUR) * HOUR);
      const from = new Date(to.getTime() - days * 24 * HOUR);
      return api<Trends>(`/v1/analytics/incidents/trends?from=${from.toISOString()}&to=${to.toISOString()}&granularity=${granularity}&groupBy=${groupBy}`);
    },
    refetchInterval: ANALYTICS_REFRESH_MS,
  });
  return (
    <section aria-labelledby="trend-heading">
      <h2 id="trend-heading">Incident trend</h2>
      <div className="filters">
        <label>Range{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>last 7 days</option><option value={30}>last 30 days</option>
          </select>
        </label>
        <label>Per{' '}
          <select value={granularity} onChange={(e) => setGranularity(e.target.value as 'hour' | 'day')}>
            <option value="hour">hour</option><option value="day">day</option>
          </select>
        </label>
        <label>Group by{' '}
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as 'type' | 'severity' | 'source')}>
            <option value="type">type</option><option value="severity">severity</option><option value="source">source</option>
          </select>
        </label>
      </div>
      {trends.error ? <p role="alert" className="error">{explain(trends.error)}</p>
        : !trends.data ? <p>Loading…</p> : (
          <div className="trend">
            <TrendChart trends={trends.data} />
            <TrendTable trends={trends.data} />
          </div>
        )}
    </section>
  );
}

/**
 * The assets sitting downstream of the most open incidents, from GET /v1/analytics/lineage/hotspots: it
 * ranks every asset of the tenant on the server (an incident counts on everything it reaches), where
 * counting the open incidents loaded above would see only their first page and only the assets named.
 */
function MostAffected() {
  const hotspots = useQuery({ queryKey: ['incidents', 'hotspots'], queryFn: () => api<Hotspots>('/v1/analytics/lineage/hotspots?window=30d&limit=10'), refetchInterval: ANALYTICS_REFRESH_MS });
  const items = (hotspots.data?.items ?? []).filter((h) => h.upstreamOpenIncidents > 0 || h.upstreamIncidents > 0);
  return (
    <section aria-labelledby="affected-heading">
      <h2 id="affected-heading">Most affected assets</h2>
      {hotspots.error ? <p role="alert" className="error">{explain(hotspots.error)}</p>
        : !hotspots.data ? <p>Loading…</p>
        : items.length === 0 ? <p>No asset is affected by an incident.</p> : (
          <table aria-label="Most affected assets">
            <thead>
              <tr><th scope="col">Asset</th><th scope="col">Open incidents upstream</th><th scope="col">Opened upstream, last {hotspots.data.window}</th></tr>
            </thead>
            <tbody>
              {items.map((h) => (
                <tr key={h.qualifiedName}>
                  <td><Link to={`/assets/${enc(h.qualifiedName)}`}>{h.qualifiedName}</Link></td>
                  <td>{h.upstreamOpenIncidents}</td>
                  <td>{h.upstreamIncidents}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}
