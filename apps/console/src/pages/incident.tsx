import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, enc, explain, Impact, IncidentDetail } from '../api';

/** The API's bound on an incident's impact walk (IncidentImpactQuery: 1-10 hops). */
const DEPTHS = [1, 2, 3, 5, 10];
/** How many of the assets reached the page lists; the totals count them all. */
const FIRST_ASSETS = 50;

/** One incident: what it is, the assets it is on, and what lies downstream of them. */
export function IncidentPage() {
  const id = useParams().id ?? '';
  // under 'incidents': the layout's change feed refreshes both as incidents change
  const incident = useQuery({ queryKey: ['incidents', id], queryFn: () => api<IncidentDetail>(`/v1/incidents/${enc(id)}`) });
  if (incident.error) return <p role="alert" className="error">{explain(incident.error)}</p>;
  if (!incident.data) return <p>Loading…</p>;
  const i = incident.data;
  return (
    <>
      <h1>{i.title ?? i.type}</h1>
      <p className="subtitle" data-testid="incident-summary">
        {i.status} · {i.severity ?? 'no severity'} · {i.type} · from {i.source}
        {i.owner ? ` · owner ${i.owner}` : ''}
      </p>
      <p>Started <time dateTime={i.startedAt}>{new Date(i.startedAt).toLocaleString()}</time>, updated{' '}
        <time dateTime={i.updatedAt}>{new Date(i.updatedAt).toLocaleString()}</time>
        {i.url && <> · <a href={i.url} target="_blank" rel="noreferrer">open in {i.source}</a></>}</p>
      <section aria-labelledby="incident-assets-heading">
        <h2 id="incident-assets-heading">Assets</h2>
        <ul aria-label="Assets of the incident">
          {i.assets.map((a) => (
            <li key={a.sourceRef}>
              {a.qualifiedName ? <Link to={`/assets/${enc(a.qualifiedName)}`}>{a.qualifiedName}</Link> : a.sourceRef}
              {!a.resolved && <span className="muted"> (no asset has this name yet)</span>}
            </li>
          ))}
        </ul>
      </section>
      <DownstreamImpact id={i.id} />
    </>
  );
}

function DownstreamImpact({ id }: { id: string }) {
  const [depth, setDepth] = useState(5);
  const impact = useQuery({ queryKey: ['incidents', id, 'impact', depth],
    queryFn: () => api<Impact>(`/v1/impact/incidents/${enc(id)}?depth=${depth}&limit=${FIRST_ASSETS}`) });
  return (
    <section aria-labelledby="impact-heading">
      <h2 id="impact-heading">Downstream impact</h2>
      <label>Hops downstream{' '}
        <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
          {DEPTHS.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </label>
      {impact.error && <p role="alert" className="error">{explain(impact.error)}</p>}
      {impact.isPending && <p>Loading…</p>}
      {impact.data && (
        <>
          <p data-testid="impact-total">{impact.data.total} {impact.data.total === 1 ? 'asset' : 'assets'} downstream within {impact.data.maxDepth}{' '}
            {impact.data.maxDepth === 1 ? 'hop' : 'hops'}</p>
          {impact.data.total > 0 && (
            <div className="impact">
              <table aria-label="Assets by depth">
                <thead><tr><th scope="col">Hops</th><th scope="col">Assets</th></tr></thead>
                <tbody>{impact.data.byDepth.map((d) => <tr key={d.depth}><td>{d.depth}</td><td>{d.count}</td></tr>)}</tbody>
              </table>
              <table aria-label="Owners affected">
                <thead><tr><th scope="col">Owner</th><th scope="col">Assets</th></tr></thead>
                <tbody>
                  {impact.data.owners.length === 0 ? <tr><td colSpan={2}>No owner recorded.</td></tr>
                    : impact.data.owners.map((o) => <tr key={o.owner}><td>{o.owner}</td><td>{o.assets}</td></tr>)}
                </tbody>
              </table>
            </div>
          )}
          {impact.data.assets.length > 0 && (
            <table aria-label="Assets downstream">
              <thead><tr><th scope="col">Asset</th><th scope="col">Type</th><th scope="col">Hops</th><th scope="col">Owner</th></tr></thead>
              <tbody>
                {impact.data.assets.map((a) => (
                  <tr key={a.qualifiedName}>
                    <td><Link to={`/assets/${enc(a.qualifiedName)}`}>{a.qualifiedName}</Link></td>
                    <td>{a.typeName}</td><td>{a.depth}</td><td>{a.owner ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {impact.data.nextCursor && <p className="muted">The first {impact.data.assets.length} of {impact.data.total} are listed.</p>}
        </>
      )}
    </section>
  );
}
