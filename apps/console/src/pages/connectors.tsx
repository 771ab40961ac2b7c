import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, Connectors as ConnectorList, CreatedConnectorAnswer, explain, json } from '../api';

/** Connectors (admin): create a Monte Carlo connector (its webhook URL and secret shown once), list, disable, delete. */
export function Connectors() {
  const queries = useQueryClient();
  const list = useQuery({ queryKey: ['connectors'], queryFn: () => api<ConnectorList>('/v1/connectors') });
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');
  const [created, setCreated] = useState<CreatedConnectorAnswer | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ['connectors'] });
  const create = useMutation({
    mutationFn: () => api<CreatedConnectorAnswer>('/v1/connectors', json('POST', { type: 'montecarlo', name,
      config: { mappings: template.trim() ? [{ template: template.trim() }] : [] } })),
    onSuccess: (answer) => { setCreated(answer); setName(''); setTemplate(''); void refresh(); },
  });
  const toggle = useMutation({ mutationFn: (c: { id: string; enabled: boolean }) => api(`/v1/connectors/${c.id}`, json('PATCH', { enabled: c.enabled })),
    onSettled: refresh });
  const remove = useMutation({ mutationFn: (id: string) => api(`/v1/connectors/${id}`, { method: 'DELETE' }), onSettled: refresh });

  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  }

  return (
    <>
      <h1>Connectors</h1>
      <section aria-labelledby="new-heading">
        <h2 id="new-heading">New Monte Carlo connector</h2>
        <form className="filters" onSubmit={submit}>
          <label>Name <input required value={name} onChange={(e) => setName(e.target.value)} /></label>
          <label>Table mapping template <input value={template} placeholder="snowflake/acme/{database}/{schema}/{table}"
            onChange={(e) => setTemplate(e.target.value)} /></label>
          <button type="submit" disabled={create.isPending}>Create</button>
        </form>
        {create.error && <p role="alert" className="error">{explain(create.error)}</p>}
        {created && (
          <div className="once" role="status">
            <p><strong>Shown once:</strong> set these in Monte Carlo's webhook for {created.name}. The secret is not shown again.</p>
            <dl className="attributes">
              <div><dt>Webhook URL</dt><dd data-testid="webhook-url">{created.webhookUrl}</dd></div>
              <div><dt>Signing secret</dt><dd data-testid="signing-secret">{created.signingSecret}</dd></div>
            </dl>
          </div>
        )}
      </section>
      <section aria-labelledby="list-heading">
        <h2 id="list-heading">All connectors</h2>
        {list.error && <p role="alert" className="error">{explain(list.error)}</p>}
        {list.data && (
          <table aria-label="Connectors">
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Webhook URL</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td><td>{c.type}</td><td className="mono">{c.webhookUrl}</td><td>{c.enabled ? 'enabled' : 'disabled'}</td>
                  <td className="actions">
                    <button type="button" onClick={() => toggle.mutate({ id: c.id, enabled: !c.enabled })}>{c.enabled ? 'Disable' : 'Enable'} {c.name}</button>
                    <button type="button" className="danger" onClick={() => { if (window.confirm(`Delete connector ${c.name}?`)) remove.mutate(c.id); }}>
                      Delete {c.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {(toggle.error ?? remove.error) && <p role="alert" className="error">{explain(toggle.error ?? remove.error)}</p>}
      </section>
    </>
  );
}
