import { INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Metrics, recordHttpMetrics } from '@tributary/observability';
import { registerBodyParsers } from './body-parsers';
import { openApiDocument } from './openapi-document';

const MAX_PARAM_LENGTH = 2048 * 6;

/**
 * Creates a Nest HTTP app with the platform's HTTP conventions: on Fastify (see the README for the
 * measured reason), our body parsing and size limits, request metrics, and the OpenAPI description
 * at /docs and /docs/openapi.json.
 */
export async function createHttpApp(module: unknown, opts: { maxBodyBytes: number; maxWebhookBytes: number; logger: LoggerService | false }): Promise<INestApplication> {
  // A route parameter may be a whole qualified name (2,048 characters, up to 6 bytes each once
  // percent-encoded); Fastify's default is 100.
  const adapter = new FastifyAdapter({ routerOptions: { maxParamLength: MAX_PARAM_LENGTH } });
  registerBodyParsers(adapter.getInstance(), opts);
  const app = await NestFactory.create<NestFastifyApplication>(module as Type, adapter, { bodyParser: false, logger: opts.logger });
  recordHttpMetrics(adapter.getInstance(), app.get(Metrics));
  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  return app;
}
