import { useState } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, Asset, enc, explain } from '../api';
import { HealthBadge } from './health-badge';
import { LineageGraph } from './lineage-graph';

const DEPTHS = [1, 2, 3, 5, 10, 20, 50];

/** One asset: health, incidents, attributes, classifications with where they came from, and its lineage. */
export function AssetPage() {
  const qualifiedName = useParams()['*'] ?? '';
  const asset = useQuery({ queryKey: ['asset', qualifiedName], queryFn: () => api<Asset>(`/v1/assets/${enc(qualifiedName)}`) });
  const [depth, setDepth] = useState(3);
  const [pathFrom, setPathFrom] = useState<string | null>(null);
  if (asset.error) return <p role="alert" className="error">{explain(asset.error)}</p>;
  if (!asset.data) return <p>Loading…</p>;
  const a = asset.data;
  const incidents = [...a.incidents].sort((x, y) => y.startedAt.localeCompare(x.startedAt));
  return (
    <>
      <h1>{a.name ?? a.qualifiedName} <HealthBadge status={a.health.status} /></h1>
      <p className="subtitle">{a.typeName} · {a.qualifiedName}{a.attributes.owner ? ` · owner ${String(a.attributes.owner)}` : ''}</p>
      <section aria-labelledby="health-heading">
        <h2 id="health-heading">Health</h2>
        <p data-testid="health-summary">{a.health.openIncidents} open {a.health.openIncidents === 1 ? 'incident' : 'incidents'} here,
          {' '}{a.health.upstreamOpenIncidents} upstream{a.health.sources.length ? ` (from ${a.health.sources.join(', ')})` : ''}</p>
      </section>
      <section aria-labelledby="incidents-heading">
        <h2 id="incidents-heading">Incidents</h2>
        {incidents.length === 0 ? <p>None.</p> : (
          <ol className="timeline" aria-label="Incidents, newest first">
            {incidents.map((i) => (
              <li key={i.id} className={`incident status-${i.status}`}>
                <time dateTime={i.startedAt}>{new Date(i.startedAt).toLocaleString()}</time>
                {' '}<strong>{i.severity ?? 'no severity'}</strong> {i.title ?? i.type} <span className="muted">({i.source}, {i.status})</span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="tags-heading">
        <h2 id="tags-heading">Classifications</h2>
        {a.classifications.length === 0 ? <p>None.</p> : (
          <ul className="tags" aria-label="Classifications">
            {a.classifications.map((c) => (
              <li key={`${c.name}/${c.source}/${c.source === 'propagated' ? c.propagatedFrom : ''}`}>
                <strong>{c.name}</strong>{' '}
                {c.source === 'direct' ? <span>set here{c.propagate ? ', propagates downstream' : ''}</span> : (
                  <>
                    <span data-testid={`provenance-${c.name}`}>propagated from {c.propagatedFrom}, {c.depth} {c.depth === 1 ? 'hop' : 'hops'}, rule {c.ruleId}</span>{' '}
                    <button type="button" aria-pressed={pathFrom === c.propagatedFrom}
                      onClick={() => { setPathFrom(pathFrom === c.propagatedFrom ? null : c.propagatedFrom); setDepth((d) => Math.max(d, c.depth)); }}>
                      {pathFrom === c.propagatedFrom ? 'Hide its path' : 'Show its path'}
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="attributes-heading">
        <h2 id="attributes-heading">Attributes</h2>
        <dl className="attributes">
          {Object.entries(a.attributes).map(([k, v]) => (
            <div key={k}><dt>{k}</dt><dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd></div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="lineage-heading">
        <h2 id="lineage-heading">Lineage</h2>
        <label>Depth each way{' '}
          <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
            {DEPTHS.map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
        </label>
        <LineageGraph root={a.qualifiedName} depth={depth} pathFrom={pathFrom} />
      </section>
    </>
  );
}
