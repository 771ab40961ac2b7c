import { useQuery } from '@tanstack/react-query';
import { api, explain, Incident, IncidentList } from '../api';

const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4'];

/** Open incidents by severity and the most recent of them; kept current by the layout's change feed. */
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
