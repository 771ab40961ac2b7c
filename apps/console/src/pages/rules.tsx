import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, explain, json, Rule, Rules as RuleList, Saved } from '../api';


/** What a rule does, in a few words. */
function describeAction(action: Rule['action']): string {
  switch (action.type) {
    case 'propagate_classification': return `propagate ${action.names ? `tags ${action.names.join(', ')}` : 'tags marked to propagate'}, ${action.maxDepth} hops`;
    case 'propagate_incidents': return `propagate incidents, ${action.maxDepth} hops`;
    case 'propagate_attribute': return `propagate attribute ${action.attribute} (${action.aggregate}), ${action.maxDepth} hops`;
    case 'notify': return `notify through connector ${action.connectorId}${action.digestSeconds ? `, digest every ${action.digestSeconds} s` : ''}`;
  }
}

/** The tenant's rules (built-in first), each switched on or off here; new ones and edits in the rule editor. */
export function Rules() {
  const queries = useQueryClient();
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => api<RuleList>('/v1/rules') });
  const toggle = useMutation({
    mutationFn: (r: Rule) => api<Saved>(`/v1/rules/${encodeURIComponent(r.id)}`, json('PATCH', { enabled: !r.enabled })),
    onSettled: () => queries.invalidateQueries({ queryKey: ['rules'] }),
  });
  return (
    <>
      <h1>Rules</h1>
      <p><Link to="/rules/new" className="button">New rule</Link></p>
      {rules.error && <p role="alert" className="error">{explain(rules.error)}</p>}
      {toggle.error && <p role="alert" className="error">{explain(toggle.error)}</p>}
      {rules.isPending && <p>Loading…</p>}
      {rules.data && (
        <table aria-label="Rules">
          <thead>
            <tr><th scope="col">Rule</th><th scope="col">Does</th><th scope="col">On changes</th><th scope="col">Filter</th>
              <th scope="col">State</th><th scope="col"><span className="visually-hidden">Switch</span></th></tr>
          </thead>
          <tbody>
            {rules.data.items.map((r) => (
              <tr key={r.id}>
                <td>{r.builtin ? <>{r.name} <span className="muted">(built in)</span></> : <Link to={`/rules/${encodeURIComponent(r.id)}`}>{r.name}</Link>}</td>
                <td>{describeAction(r.action)}</td>
                <td>{r.trigger.join(', ')}</td>
                <td><code>{r.filter ?? '—'}</code></td>
                <td data-testid={`rule-state-${r.name}`}>{r.enabled ? 'on' : 'off'}</td>
                <td>
                  <button type="button" disabled={toggle.isPending} onClick={() => toggle.mutate(r)}
                    aria-label={`${r.enabled ? 'Turn off' : 'Turn on'} ${r.name}`}>{r.enabled ? 'Turn off' : 'Turn on'}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
