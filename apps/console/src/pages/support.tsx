import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { allows, api, ApiKeys, Backfills, DeadLetters, explain, json, NewApiKey, Session } from '../api';
import { ROLES } from '../../../../libs/auth/src/roles';

/** Support: what was parked and why (replayable), backfills with their progress, and (admins) API keys. */
export function Support() {
  const session = useQuery({ queryKey: ['session'], queryFn: () => api<Session>('/v1/session') });
  return (
    <>
      <h1>Support</h1>
      <DeadLetterList />
      <BackfillList />
      {allows(session.data, 'admin') && <ApiKeyAdmin />}
    </>
  );
}

function DeadLetterList() {
  const queries = useQueryClient();
  const letters = useQuery({ queryKey: ['dead-letters'], queryFn: () => api<DeadLetters>('/v1/dead-letters?limit=100') });
  const replay = useMutation({ mutationFn: (id: string) => api(`/v1/dead-letters/${id}/replay`, { method: 'POST' }),
    onSettled: () => queries.invalidateQueries({ queryKey: ['dead-letters'] }) });
  return (
    <section aria-labelledby="dead-heading">
      <h2 id="dead-heading">Dead letters</h2>
      {letters.error && <p role="alert" className="error">{explain(letters.error)}</p>}
      {replay.error && <p role="alert" className="error">{explain(replay.error)}</p>}
      {letters.data && (letters.data.items.length === 0 ? <p>Nothing is parked.</p> : (
        <table aria-label="Dead letters">
          <thead><tr><th scope="col">Parked</th><th scope="col">Stream</th><th scope="col">Reason</th><th scope="col">Replay</th></tr></thead>
          <tbody>
            {letters.data.items.map((d) => (
              <tr key={d.id} data-testid={`dead-letter-${d.id}`}>
                <td><time dateTime={d.createdAt}>{new Date(d.createdAt).toLocaleString()}</time></td>
                <td>{d.stream}</td>
                <td className="reason">{d.reason}</td>
                <td>{d.replayedAt ? <span>replayed <time dateTime={d.replayedAt}>{new Date(d.replayedAt).toLocaleString()}</time></span> : (
                  <button type="button" disabled={replay.isPending} aria-label={`Replay the dead letter parked ${new Date(d.createdAt).toLocaleString()}: ${d.reason}`}
                    onClick={() => replay.mutate(d.id)}>Replay</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

function BackfillList() {
  const queries = useQueryClient();
  const list = useQuery({ queryKey: ['backfills'], queryFn: () => api<Backfills>('/v1/backfills?limit=50'),
    // a running backfill's progress moves without a change event: read it again while one runs
    refetchInterval: (q) => (q.state.data?.items.some((b) => b.status === 'queued' || b.status === 'running') ? 1000 : false) });
  const [connectorId, setConnectorId] = useState('');
  const [since, setSince] = useState('');
  const start = useMutation({ mutationFn: () => api('/v1/backfills', json('POST', { connectorId: connectorId.trim(), since: new Date(since).toISOString() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['backfills'] }) });
  function submit(e: FormEvent) {
    e.preventDefault();
    start.mutate();
  }
  return (
    <section aria-labelledby="backfills-heading">
      <h2 id="backfills-heading">Backfills</h2>
      <form className="filters" onSubmit={submit}>
        <label>Connector id <input required value={connectorId} onChange={(e) => setConnectorId(e.target.value)} /></label>
        <label>Since <input required type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} /></label>
        <button type="submit" disabled={start.isPending}>Start backfill</button>
      </form>
      {start.error && <p role="alert" className="error">{explain(start.error)}</p>}
      {list.error && <p role="alert" className="error">{explain(list.error)}</p>}
      {list.data && (list.data.items.length === 0 ? <p>No backfills yet.</p> : (
        <table aria-label="Backfills">
          <thead><tr><th scope="col">Started</th><th scope="col">Connector</th><th scope="col">Range</th><th scope="col">Progress</th></tr></thead>
          <tbody>
            {list.data.items.map((b) => (
              <tr key={b.id} data-testid={`backfill-${b.id}`}>
                <td><time dateTime={b.createdAt}>{new Date(b.createdAt).toLocaleString()}</time></td>
                <td className="mono">{b.connectorId}</td>
                <td>{new Date(b.since).toLocaleDateString()} – {b.until ? new Date(b.until).toLocaleDateString() : 'now'}</td>
                <td>
                  {/* the source never says how many pages there are: indeterminate until it ends */}
                  <progress aria-label={`backfill ${b.status}`} max={1} {...(b.finishedAt ? { value: 1 } : {})} />{' '}
                  <span className="status">{b.status}</span>: {b.pages} {b.pages === 1 ? 'page' : 'pages'}, {b.observations} {b.observations === 1 ? 'record' : 'records'}
                  {b.rateLimited > 0 ? `, slowed down ${b.rateLimited}×` : ''}{b.lastError ? ` — ${b.lastError}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

function ApiKeyAdmin() {
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => api<ApiKeys>('/v1/api-keys') });
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['viewer']);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ['api-keys'] });
  const create = useMutation({ mutationFn: () => api<NewApiKey>('/v1/api-keys', json('POST', { name, roles })),
    onSuccess: (k) => { setCreated(k); setName(''); void refresh(); } });
  const revoke = useMutation({ mutationFn: (id: string) => api(`/v1/api-keys/${id}`, { method: 'DELETE' }), onSettled: refresh });
  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  }
  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <form className="filters" onSubmit={submit}>
        <label>Name <input required value={name} onChange={(e) => setName(e.target.value)} /></label>
        <fieldset className="roles">
          <legend>Roles</legend>
          {ROLES.filter((r) => r !== 'metrics').map((r) => (
            <label key={r} className="inline"><input type="checkbox" checked={roles.includes(r)}
              onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} /> {r}</label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.isPending || roles.length === 0}>Create key</button>
      </form>
      {create.error && <p role="alert" className="error">{explain(create.error)}</p>}
      {created && (
        <p className="once" role="status"><strong>Shown once:</strong> the key {created.name} is{' '}
          <code data-testid="new-api-key">{created.key}</code></p>
      )}
      {keys.data && (
        <table aria-label="API keys">
          <thead><tr><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Created</th><th scope="col">State</th></tr></thead>
          <tbody>
            {keys.data.items.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td><td>{k.roles.join(', ')}</td>
                <td><time dateTime={k.createdAt}>{new Date(k.createdAt).toLocaleString()}</time></td>
                <td>{k.revokedAt ? 'revoked' : <button type="button" className="danger" onClick={() => revoke.mutate(k.id)}>Revoke {k.name}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
