import type { ClientConfig } from 'pg';

/** Time limits of every PostgreSQL session the platform opens (0: no limit). */
export interface SessionLimits {
  /** longest a statement may run, lock waits included (PostgreSQL's `statement_timeout`) */
  statementTimeoutMs: number;
  /** a session idle this long inside a transaction is ended by PostgreSQL, its locks released (`idle_in_transaction_session_timeout`) */
  idleInTransactionTimeoutMs: number;
  /** longest wait for a connection: to open one, or for a free one of a full pool */
  connectTimeoutMs: number;
}

export type PgSessionOptions = Pick<ClientConfig, 'connectionTimeoutMillis' | 'statement_timeout' | 'idle_in_transaction_session_timeout'>;

/**
 * The limits as node-postgres clients and pools take them (pg-boss passes them on to its pool). The
 * two PostgreSQL settings go in the startup message, so they hold for every statement of the
 * session, whatever role a transaction switches to; a statement that needs longer (a migration)
 * lifts its own limit with SET LOCAL.
 */
export const pgSessionOptions = (limits: SessionLimits): PgSessionOptions => ({
  connectionTimeoutMillis: limits.connectTimeoutMs,
  statement_timeout: limits.statementTimeoutMs,
  idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
});

/** SQLSTATEs of a limit reached: query_canceled (statement_timeout), lock_not_available (lock_timeout), idle_in_transaction_session_timeout. */
const TIMEOUT_CODES = new Set(['57014', '55P03', '25P03']);
/** node-postgres's own: no free connection of a full pool in time, and a connection not opened in time. */
const TIMEOUT_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout', 'timeout expired']);

/**
 * Whether an error means that the store did not answer within a limit of `SessionLimits`. Such a
 * statement's transaction is rolled back (nothing it did stays), and the same work may succeed once
 * the store is less busy: the API answers 503 store_timeout, workers try again.
 */
export function isStoreTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && TIMEOUT_CODES.has(code)) || TIMEOUT_MESSAGES.has(err.message);
}
