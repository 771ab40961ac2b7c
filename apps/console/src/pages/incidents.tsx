import { FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, explain, IncidentList } from '../api';
import { Pager } from './pager';

const FILTERS = ['status', 'source', 'asset'] as const;

/** Incidents, newest first: filtered by status, source and asset, a page at a time (the API's cursor). */
export function Incidents() {
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState(Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>);
  const query = new URLSearchParams({ limit: '50', ...Object.fromEntries([...params].filter(([, v]) => v !== '')) });
  // under 'incidents': the layout's change feed refreshes it as incidents change
  const list = useQuery({ queryKey: ['incidents', 'list', query.toString()], queryFn: () => api<IncidentList>(`/v1/incidents?${query}`) });

  function search(e: FormEvent) {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()])));
  }

  return (
    <>
      <h1>Incidents</h1>
      <form className="filters" role="search" aria-label="Filter incidents" onSubmit={search}>
        <label>Status
          <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">any</option><option value="open">open</option><option value="resolved">resolved</option>
          </select>
        </label>
        <label>Source <input value={draft.source} onChange={(e) => setDraft({ ...draft, source: e.target.value })} /></label>
        <label>Asset (qualified name) <input value={draft.asset} onChange={(e) => setDraft({ ...draft, asset: e.target.value })} /></label>
        <button type="submit">Filter</button>
      </form>
      {list.error && <p role="alert" className="error">{explain(list.error)}</p>}
      {list.isPending && <p>Loading…</p>}
      {list.data && (list.data.items.length === 0 ? <p>No incidents match.</p> : (
        <table aria-label="Incidents">
          <thead>
            <tr><th scope="col">Incident</th><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Source</th>
              <th scope="col">Assets</th><th scope="col">Started</th></tr>
          </thead>
          <tbody>
            {list.data.items.map((i) => (
              <tr key={i.id}>
                <td><Link to={`/incidents/${i.id}`}>{i.title ?? i.type}</Link></td>
                <td>{i.status}</td>
                <td>{i.severity ?? '—'}</td>
                <td>{i.source}</td>
                <td>{i.assets.map((a) => a.qualifiedName ?? a.sourceRef).join(', ')}</td>
                <td><time dateTime={i.startedAt}>{new Date(i.startedAt).toLocaleString()}</time></td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <Pager nextCursor={list.data?.nextCursor} />
    </>
  );
}
