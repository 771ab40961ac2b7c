import { INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Metrics, recordHttpMetrics } from '@tributary/observability';
import { registerBodyParsers } from './body-parsers';
import { answerFrameworkError, registerInputChecks } from './input-checks';

const MAX_PARAM_LENGTH = 2048 * 6;

/**
 * Creates a Nest HTTP app with the platform's HTTP conventions: on Fastify (see the README for the
 * measured reason), our body parsing and size limits, request metrics, and the OpenAPI description
 * at /docs and /docs/openapi.json.
 */
export async function createHttpApp(module: unknown, opts: { maxBodyBytes: number; maxWebhookBytes: number; logger: LoggerService | false }): Promise<INestApplication> {
  // A route parameter may be a whole qualified name (2,048 characters, up to 6 bytes each once
  // percent-encoded); Fastify's default is 100.
  const adapter = new FastifyAdapter({ routerOptions: { maxParamLength: MAX_PARAM_LENGTH }, frameworkErrors: answerFrameworkError });
  registerBodyParsers(adapter.getInstance(), opts);
  registerInputChecks(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(module as Type, adapter, { bodyParser: false, logger: opts.logger });
  recordHttpMetrics(adapter.getInstance(), app.get(Metrics));
  const document = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Tributary API').setVersion('v1')
    .setDescription('Near-real-time metadata events for data catalogs. Errors are {"error": {"code", "message", "details"}}.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (trb_…) or an OIDC access token' })
    .build());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  return app;
}
