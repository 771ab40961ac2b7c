import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, invalid } from '@tributary/errors';
import { findJsonProblem } from '@tributary/store';

/**
 * How deep a JSON body may nest objects and arrays. Far above any request the API defines (an
 * attribute value has room for about 28 levels); what is deeper would reach JSON.stringify's and
 * PostgreSQL's recursion limits, which answer with a stack overflow rather than a message.
 */
export const MAX_JSON_DEPTH = 32;

/** Media types read as JSON: `application/json` and its `+json` relatives (as Express's JSON parser did). */
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * How request bodies are read, for every route: webhook bodies (`/v1/hooks/…`) stay raw bytes, since
 * a signature is computed over exactly what the source sent and is checked before the body is parsed;
 * every other body is JSON when its content type says so (other types leave no body, so the route's
 * validation answers). Each has its own size limit; a failure is a DomainError, which the API's error
 * filter answers in its error format. A JSON body is also checked for what no route could store
 * (text with NUL or a lone surrogate, nesting deeper than MAX_JSON_DEPTH) here, once for every route:
 * 422 naming the path, in the same form as a route's own validation errors.
 */
export function registerBodyParsers(fastify: FastifyInstance, limits: { maxBodyBytes: number; maxWebhookBytes: number }): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: Math.max(limits.maxBodyBytes, limits.maxWebhookBytes) },
    (req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      try {
        done(null, parse(req, body, limits));
      } catch (err) {
        done(err as Error);
      }
    });
}

function parse(req: FastifyRequest, body: Buffer, limits: { maxBodyBytes: number; maxWebhookBytes: number }): unknown {
  const webhook = req.url.startsWith('/v1/hooks/');
  const limit = webhook ? limits.maxWebhookBytes : limits.maxBodyBytes;
  if (body.length > limit) throw new DomainError('too_large', 'payload_too_large', `the body is larger than the limit of ${limit} bytes`, { limitBytes: limit });
  if (webhook) return body;
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return undefined;
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new DomainError('malformed', 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
  const problem = findJsonProblem(value, MAX_JSON_DEPTH);
  if (problem) {
    const path = problem.path || '(body)';
    throw invalid('validation_failed', `the request body is invalid: ${path}: ${problem.message}`, { issues: [{ path, message: problem.message }] });
  }
  return value;
}
