import { FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, AssetList, enc, explain } from '../api';
import { HealthBadge } from './health-badge';
import { Pager } from './pager';

/** Assets: search by name, filter by type, tag and health; a page of results at a time. */
export function Assets() {
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState({ q: params.get('q') ?? '', typeName: params.get('typeName') ?? '', tag: params.get('tag') ?? '',
    health: params.get('health') ?? '' });
  const query = new URLSearchParams({ limit: '50', ...Object.fromEntries([...params].filter(([, v]) => v !== '')) });
  const list = useQuery({ queryKey: ['assets', query.toString()], queryFn: () => api<AssetList>(`/v1/assets?${query}`) });

  function search(e: FormEvent) {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== '')));
  }

  return (
    <>
      <h1>Assets</h1>
      <form className="filters" role="search" onSubmit={search}>
        <label>Name contains <input value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} /></label>
        <label>Type <input value={draft.typeName} onChange={(e) => setDraft({ ...draft, typeName: e.target.value })} /></label>
        <label>Tag <input value={draft.tag} onChange={(e) => setDraft({ ...draft, tag: e.target.value })} /></label>
        <label>Health
          <select value={draft.health} onChange={(e) => setDraft({ ...draft, health: e.target.value })}>
            <option value="">any</option><option value="healthy">healthy</option><option value="warning">warning</option>
            <option value="critical">critical</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      {list.error && <p role="alert" className="error">{explain(list.error)}</p>}
      {list.isPending && <p>Loading…</p>}
      {list.data && (list.data.items.length === 0 ? <p>No assets match.</p> : (
        <table aria-label="Assets">
          <thead><tr><th scope="col">Asset</th><th scope="col">Type</th><th scope="col">Health</th><th scope="col">Tags</th></tr></thead>
          <tbody>
            {list.data.items.map((a) => (
              <tr key={a.qualifiedName}>
                <td><Link to={`/assets/${enc(a.qualifiedName)}`}>{a.qualifiedName}</Link></td>
                <td>{a.typeName}</td>
                <td><HealthBadge status={a.health.status} /></td>
                <td>{a.classifications.map((c) => c.name).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <Pager nextCursor={list.data?.nextCursor} />
    </>
  );
}
