import { Suspense, useEffect } from 'react';
import { Navigate, NavLink, Outlet, useNavigate } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { allows, api, ApiError, explain, Session } from '../api';
import { followChanges } from '../change-stream';
import { credential, signOut } from '../session';

/**
 * The signed-in frame: who is signed in, the pages, and the live change feed, which refreshes
 * whatever the pages show of incidents and assets as changes arrive (no reload).
 */
export function Layout() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const signedIn = credential() !== null;
  const session = useQuery({ queryKey: ['session'], queryFn: () => api<Session>('/v1/session'), enabled: signedIn });

  useEffect(() => {
    if (!signedIn) return undefined;
    return followChanges((change) => {
      if (change.type.startsWith('incident.') || change.type === 'asset.health.changed') {
        void queries.invalidateQueries({ queryKey: ['incidents'] });
      }
      void queries.invalidateQueries({ queryKey: ['asset', change.subject] });
      // an open lineage graph shows health and edges: it is asked for again (graphs not shown are only marked stale)
      if (change.type === 'asset.health.changed' || change.type.startsWith('lineage.edge.')) {
        void queries.invalidateQueries({ queryKey: ['lineage'] });
      }
    });
  }, [signedIn, queries]);

  if (!signedIn) return <Navigate to="/sign-in" replace />;
  if (session.error instanceof ApiError && session.error.status === 401) {
    return (
      <main className="sign-in">
        <p role="alert" className="error">{explain(session.error)}</p>
        <button type="button" onClick={() => { signOut(); navigate('/sign-in'); }}>Sign in again</button>
      </main>
    );
  }
  return (
    <>
      <header className="top">
        <span className="brand">Tributary</span>
        <nav aria-label="Pages">
          <NavLink to="/" end>Overview</NavLink>
          <NavLink to="/assets">Assets</NavLink>
          <NavLink to="/incidents">Incidents</NavLink>
          {allows(session.data, 'steward') && <NavLink to="/rules">Rules</NavLink>}
          {allows(session.data, 'admin') && <NavLink to="/connectors">Connectors</NavLink>}
          {allows(session.data, 'support') && <NavLink to="/support">Support</NavLink>}
        </nav>
        <span className="who" aria-live="polite">
          {session.data ? `${session.data.tenant} · ${session.data.roles.join(', ')}` : ''}
        </span>
        <button type="button" onClick={() => { signOut(); queries.clear(); navigate('/sign-in'); }}>Sign out</button>
      </header>
      <main className="page">
        {/* a page's chunk loading (main.tsx): the header stays, the page says it is coming */}
        <Suspense fallback={<p>Loading…</p>}>
          <Outlet context={session.data} />
        </Suspense>
      </main>
    </>
  );
}
