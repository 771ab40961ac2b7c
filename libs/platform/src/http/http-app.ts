import { INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { httpMetricsMiddleware, Metrics } from '@tributary/observability';
import { jsonBody, rawBody } from './json-body.middleware';

/**
 * Creates a Nest HTTP app with the platform's HTTP conventions: our JSON body parser and size limit,
 * request metrics, and the OpenAPI description at /docs and /docs/openapi.json.
 */
export async function createHttpApp(module: unknown, opts: { maxBodyBytes: number; maxWebhookBytes: number; logger: LoggerService | false }): Promise<INestApplication> {
  const app = await NestFactory.create(module as Type, { bodyParser: false, logger: opts.logger });
  app.use(httpMetricsMiddleware(app.get(Metrics)));
  // body-parser skips a request whose body another parser has read, so hooks stay raw.
  app.use('/v1/hooks', rawBody(opts.maxWebhookBytes));
  app.use(jsonBody(opts.maxBodyBytes));
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  const document = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Tributary API').setVersion('v1')
    .setDescription('Near-real-time metadata events for data catalogs. Errors are {"error": {"code", "message", "details"}}.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (trb_…) or an OIDC access token' })
    .build());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  return app;
}
