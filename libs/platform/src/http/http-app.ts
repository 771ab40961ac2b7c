import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Metrics, recordHttpMetrics } from '@tributary/observability';
import { registerBodyParsers } from './body-parsers';
import { serveConsole } from './console-assets';
import { answerFrameworkError, registerInputChecks } from './input-checks';
import { openApiDocument } from './openapi-document';

const MAX_PARAM_LENGTH = 2048 * 6;

/** How long the HTTP server lets a client take, in milliseconds (TRIBUTARY_HTTP_* settings). */
export interface HttpTimeouts {
  /** to receive a whole request, headers and body: a slower client gets 408 and its connection is closed */
  requestMs: number;
  /** a connection with no traffic either way this long is closed (0: no limit) */
  connectionMs: number;
  /** an idle keep-alive connection is closed after this long */
  keepAliveMs: number;
}

/** Node checks for late requests on a clock of its own (30 s by default): a tenth of the limit keeps the cut-off near it. */
const checkingIntervalFor = (requestMs: number) => Math.min(30_000, Math.max(100, Math.floor(requestMs / 10)));

/**
 * Creates a Nest HTTP app with the platform's HTTP conventions: on Fastify (see the README for the
 * measured reason), our body parsing and size limits, request metrics, and the OpenAPI description
 * at /docs and /docs/openapi.json.
 */
export async function createHttpApp(module: unknown,
  opts: { maxBodyBytes: number; maxWebhookBytes: number; timeouts: HttpTimeouts; logger: LoggerService | false; console?: boolean }): Promise<INestApplication> {
  const { requestMs, connectionMs, keepAliveMs } = opts.timeouts;
  const adapter = new FastifyAdapter({
    // A route parameter may be a whole qualified name (2,048 characters, up to 6 bytes each once
    // percent-encoded); Fastify's default is 100.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
    // Fastify's defaults wait for ever: a client that sends its headers and then trickles (or never
    // sends) its body would hold a connection and a body buffer as long as it likes.
    requestTimeout: requestMs,
    connectionTimeout: connectionMs,
    keepAliveTimeout: keepAliveMs,
    http: { requestTimeout: requestMs, headersTimeout: Math.min(requestMs, 60_000), connectionsCheckingInterval: checkingIntervalFor(requestMs) },
    clientErrorHandler: (err, socket) => answerClientError(err, socket, requestMs),
  });
  registerBodyParsers(adapter.getInstance(), opts);
  registerInputChecks(adapter.getInstance());
  if (opts.console) await serveConsole(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(module as Type, adapter, { bodyParser: false, logger: opts.logger });
  recordHttpMetrics(adapter.getInstance(), app.get(Metrics));
  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  return app;
}

/**
 * Errors Node reports before a request reaches a route (it timed out, its headers were too large or
 * malformed), answered in the API's error body before the connection is closed.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex, requestMs: number): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'request_timeout', `the request was not received in full within ${requestMs} ms`]
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', 'the request headers are too large']
      : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
