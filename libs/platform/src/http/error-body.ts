import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DomainError, ErrorKind } from '@tributary/errors';

/** The one place where an error kind becomes an HTTP status. */
export const STATUS: Record<ErrorKind, number> = {
  malformed: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, gone: 410, too_large: 413,
  invalid: 422, rate_limited: 429, unavailable: 503,
};

/** Every error answer of the API (API.md, "Errors"); the OpenAPI document describes errors with it. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('snake_case, stable: what a client branches on'),
    message: z.string().describe('what went wrong and how to fix it'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.output<typeof ErrorBody>;

export function sendError(reply: FastifyReply, error: DomainError): void {
  if (error.kind === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer');
  const retryAfter = error.details?.retryAfterSeconds;
  if ((error.kind === 'rate_limited' || error.kind === 'unavailable') && typeof retryAfter === 'number') reply.header('Retry-After', String(retryAfter));
  const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
  void reply.status(STATUS[error.kind]).send(body);
}
