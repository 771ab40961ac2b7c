import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Role } from '../../../../libs/auth/src/roles';
import { allows, api, Session } from '../api';

/** A page only a role may use: for a credential without it, a clear message instead of a page of 403s. */
export function RequiresRole({ role, children }: { role: Role; children: ReactNode }) {
  const session = useQuery({ queryKey: ['session'], queryFn: () => api<Session>('/v1/session') });
  if (!session.data) return <p>Loading…</p>;
  if (!allows(session.data, role)) {
    return <p role="alert" className="error">This page needs the {role} role; your credential has {session.data.roles.join(', ') || 'no role'}.</p>;
  }
  return <>{children}</>;
}
