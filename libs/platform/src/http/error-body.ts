import type { FastifyReply } from 'fastify';
import { DomainError, ErrorKind } from '@tributary/errors';

/** The one place where an error kind becomes an HTTP status. */
export const STATUS: Record<ErrorKind, number> = {
  malformed: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, gone: 410, too_large: 413,
  invalid: 422, rate_limited: 429, unavailable: 503,
};

export function sendError(reply: FastifyReply, error: DomainError): void {
  if (error.kind === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer');
  const retryAfter = error.details?.retryAfterSeconds;
  if ((error.kind === 'rate_limited' || error.kind === 'unavailable') && typeof retryAfter === 'number') reply.header('Retry-After', String(retryAfter));
  void reply.status(STATUS[error.kind]).send({
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  });
}
