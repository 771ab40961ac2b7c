import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { malformed } from '@tributary/errors';
import { unstorableText } from '@tributary/store';
import { sendError } from './error-body';

/**
 * Checks every request's path and query parameters, on every route (so a new route cannot forget
 * them), before anything else reads them: text PostgreSQL cannot store (NUL, a lone surrogate) is a
 * 400 naming the parameter, in the API's error format — `invalid_path` or `invalid_query`, the codes
 * the routes' own parameter validation uses. Bodies are checked where they are parsed
 * (body-parsers.ts); webhook bodies stay raw bytes, made storable by the ingestor.
 */
export function registerInputChecks(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (req: FastifyRequest) => {
    const params = req.params as Record<string, string> | undefined;
    for (const [name, value] of Object.entries(params ?? {})) {
      const why = typeof value === 'string' ? unstorableText(value) : undefined;
      if (why) throw parameterError('invalid_path', 'path', name, why);
    }
    const query = req.query as Record<string, string | string[]> | undefined;
    for (const [name, value] of Object.entries(query ?? {})) {
      const why = unstorableText(name) ?? [value].flat().map(unstorableText).find(Boolean);
      if (why) throw parameterError('invalid_query', 'query', name, why);
    }
  });
}

/**
 * Fastify's own answers to a URL it cannot route (a broken percent-escape, bytes that are not UTF-8,
 * a parameter longer than the router takes), in the API's error format. Passed as the server's
 * `frameworkErrors` option, which also receives failures of asynchronous route constraints (the API
 * has none): those stay a 500, as Fastify would answer them.
 */
export function answerFrameworkError(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendError(reply, malformed('invalid_path', 'the path is not valid: a percent-escape is broken or does not decode to UTF-8 text'));
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, malformed('invalid_path', 'a path parameter is longer than any the API takes'));
  void reply.status(500).send({ error: { code: 'internal', message: 'the request could not be routed' } });
}

const parameterError = (code: string, where: 'path' | 'query', name: string, why: string) =>
  malformed(code, `${where} parameter ${name} ${why}`, { issues: [{ path: name, message: why }] });
