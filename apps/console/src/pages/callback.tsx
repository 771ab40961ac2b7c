import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api, explain, Session } from '../api';
import { consoleConfig } from '../console-config';
import { userManager } from '../oidc';
import { signIn, signOut } from '../session';

/** Where the issuer sends the person back: the code is exchanged (with the PKCE verifier) for tokens, the access token kept for the tab. */
export function Callback() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    // the code is single-use: StrictMode's second effect run must not exchange it again
    if (started.current) return;
    started.current = true;
    void (async () => {
      try {
        const sso = (await consoleConfig()).oidc;
        if (!sso) throw new Error('single sign-on is not configured on this platform');
        const user = await userManager(sso).signinRedirectCallback();
        signIn(user.access_token);
        queries.setQueryData(['session'], await api<Session>('/v1/session'));
        navigate('/', { replace: true });
      } catch (err) {
        signOut();
        setError(explain(err));
      }
    })();
  }, [navigate, queries]);

  return (
    <main className="sign-in">
      <h1>Signing in…</h1>
      {error && (
        <>
          <p role="alert" className="error">{error}</p>
          <Link to="/sign-in">Back to sign-in</Link>
        </>
      )}
    </main>
  );
}
