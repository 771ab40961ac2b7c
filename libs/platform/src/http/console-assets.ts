import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Where the build puts the console (apps/console, built by Vite): dist/console at the package root,
 * found from this file whether it runs built (dist/libs/platform/src/http) or from source (tests).
 */
const packageRoot = join(__dirname, ...(__dirname.includes(`${sep}dist${sep}`) ? ['..', '..', '..', '..', '..'] : ['..', '..', '..', '..']));
export const CONSOLE_DIR = join(packageRoot, 'dist', 'console');

/**
 * Serves the console, a single-page app and a client of the public API like any other, at
 * /console/ (its routes are the browser's: an unknown path under it is the app's index.html), and
 * sends `/` there. Public: the app holds no data; every call it makes carries the person's
 * credential. Without a build of it (dist/console), /console answers 404 with how to build it.
 */
export async function serveConsole(fastify: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  fastify.get('/', (_req, reply) => reply.redirect('/console/', 302));
  if (!existsSync(join(dir, 'index.html'))) {
    fastify.get('/console/*', (_req, reply) => reply.code(404).send({ error: { code: 'console_not_built',
      message: 'the console is not built: run `npm run build` (npm start and npm test build it)' } }));
    return;
  }
  await fastify.register(fastifyStatic, { root: dir, prefix: '/console/', wildcard: false, index: ['index.html'],
    // hashed file names (Vite's assets/) never change; index.html must be read again on each visit
    setHeaders: (res, path) => res.setHeader('cache-control', path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache') });
  fastify.get('/console', (_req, reply) => reply.redirect('/console/', 301));
  fastify.get('/console/*', (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').sendFile('index.html', dir));
}
