import type { FastifyInstance } from 'fastify';
import { Metrics } from './metrics';

const STARTED = Symbol('tributary.httpStarted');

/** Counts and times every HTTP request by its route pattern (not its URL, which would explode cardinality). */
export function recordHttpMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onRequest', (req, _reply, done) => {
    (req as unknown as Record<symbol, bigint>)[STARTED] = process.hrtime.bigint();
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const started = (req as unknown as Record<symbol, bigint>)[STARTED];
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    done();
  });
}
