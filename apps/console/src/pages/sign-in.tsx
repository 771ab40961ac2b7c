import { FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, explain, Session } from '../api';
import { consoleConfig } from '../console-config';
import { userManager } from '../oidc';
import { signIn, signOut } from '../session';

/** Sign-in with an API key, checked against the API (`GET /v1/session`) before it is kept. */
export function SignIn() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const config = useQuery({ queryKey: ['console-config'], queryFn: consoleConfig, staleTime: Infinity });
  const sso = config.data?.oidc ?? null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signIn(key);
    try {
      const session = await api<Session>('/v1/session');
      queries.setQueryData(['session'], session);
      navigate('/', { replace: true });
    } catch (err) {
      signOut();
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Tributary</h1>
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key}
          onChange={(e) => setKey(e.target.value)} />
        <p className="hint">Kept in this tab only, until it closes.</p>
        <button type="submit" disabled={busy || key.trim() === ''}>Sign in</button>
        {error && <p id="sign-in-error" role="alert" className="error">{error}</p>}
      </form>
      {sso && (
        <>
          <p className="or">or</p>
          <button type="button" onClick={() => { void userManager(sso).signinRedirect().catch((err: unknown) => setError(explain(err))); }}>
            Sign in with single sign-on
          </button>
        </>
      )}
    </main>
  );
}
