/** Node's codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

/**
 * Whether an error says that a database could not be used at all, rather than that a statement
 * failed: the connection could not be made or was lost (SQLSTATE class 08, Node's network codes),
 * the server is shutting down or starting (57P01–57P03), has no connection left (53300), the
 * database does not exist (3D000) or refuses the credentials (class 28). Work for a tenant whose
 * database is unavailable waits for it; it is not a fault of the work.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (/^(08|28)/.test(code) || ['57P01', '57P02', '57P03', '53300', '3D000'].includes(code) || NETWORK_CODES.has(code)) return true;
  // node-postgres reports a connection lost mid-query, and a connect that timed out, without a code
  return /Connection terminated|timeout exceeded when trying to connect|connection error/i.test(String((err as Error)?.message ?? ''));
}

/**
 * A database problem as an unauthenticated answer may tell it (readiness): its class and code only.
 * Drivers' messages name hosts, ports, databases and users ("connect ECONNREFUSED 10.0.0.5:5432",
 * `database "acme_prod" does not exist`), so they are never passed on.
 */
export function describeDatabaseProblem(err: unknown): string {
  const code = codeOf(err);
  return isDatabaseUnavailable(err) ? `unreachable${code ? ` (${code})` : ''}` : `failing${code ? ` (${code})` : ''}`;
}

/** The unique index a statement collided with (SQLSTATE 23505), or undefined for any other error. */
export function uniqueViolation(err: unknown): string | undefined {
  if (codeOf(err) !== '23505') return undefined;
  const constraint = (err as { constraint?: unknown }).constraint;
  return typeof constraint === 'string' ? constraint : '';
}

/** A SQLSTATE or a Node error code, only if it looks like one (never free text). */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,20}$/.test(code) ? code : '';
}
