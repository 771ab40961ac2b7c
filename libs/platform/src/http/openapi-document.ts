import { INestApplication, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorBody } from './error-body';
import { ANSWER, DocumentedAnswer, DocumentedBody, RAW_BODY } from './openapi.decorators';

// The document's parts, as @nestjs/swagger types them (its package exports only the whole document's type).
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ParameterObject = Extract<NonNullable<OperationObject['parameters']>[number], { in: string }>;
type ResponsesObject = OperationObject['responses'];
type SchemaObject = Extract<NonNullable<ParameterObject['schema']>, { type?: unknown }>;

const ERRORS: Record<string, string> = {
  400: 'malformed: a path or query parameter, or a body that is not JSON',
  401: 'no credential, or one that is not valid',
  403: 'the credential lacks the role, or names a tenant it does not grant',
  413: 'the body is larger than the limit',
  422: 'valid JSON of the wrong shape or content, or a query parameter value out of its range or set; `details.issues` lists every failing path',
  default: 'any other error: 401 for a webhook without a valid signature, 403 for one to a disabled connector, 404 not found, 409 conflict, '
    + '429 rate limited (with Retry-After), 503 not ready, 500',
};

/**
 * The app's OpenAPI document, from the same zod schemas it validates and answers with: each route's
 * path, query and body validation pipes (any pipe with a zod `schema`) give its parameters and body,
 * `@Responds` its answer, and the error body is the one every error is sent with. @nestjs/swagger
 * lays out the paths, tags and security; the schemas come from zod (`z.toJSONSchema`), nothing is
 * written twice.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Tributary API').setVersion('v1')
    .setDescription('Near-real-time metadata events for data catalogs. Errors are {"error": {"code", "message", "details"}}.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (trb_…) or an OIDC access token' })
    .build(), { operationIdFactory: operationId });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: jsonSchema(ErrorBody, 'output') } };
  const handlers = handlersById(app);
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const operation = item[method];
      const handler = operation?.operationId ? handlers.get(operation.operationId) : undefined;
      if (operation && handler) describeOperation(operation, handler);
    }
  }
  return document;
}

const operationId = (controller: string, method: string) => `${controller}_${method}`;

interface Handler { controller: Type; method: string; fn: object }

function handlersById(app: INestApplication): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        const fn = controller.prototype[method];
        if (method !== 'constructor' && typeof fn === 'function') handlers.set(operationId(controller.name, method), { controller, method, fn });
      }
    }
  }
  return handlers;
}

/** Parameters, body, answer and errors of one operation, from its handler's pipes and decorators. */
function describeOperation(operation: OperationObject, handler: Handler): void {
  const args = Object.entries((Reflect.getMetadata(ROUTE_ARGS_METADATA, handler.controller, handler.method) ?? {}) as
    Record<string, { data?: string; pipes?: unknown[] }>);
  const validated = (type: RouteParamtypes) => args
    .filter(([key]) => key.split(':')[0] === String(type))
    .map(([, arg]) => ({ name: arg.data, schema: arg.pipes?.map(zodSchemaOf).find((s) => s !== undefined) }))
    .filter((a): a is { name: string | undefined; schema: z.ZodType } => a.schema !== undefined);

  const parameters = (operation.parameters ?? []) as ParameterObject[];
  for (const { name, schema } of validated(RouteParamtypes.PARAM)) {
    const at = parameters.findIndex((p) => p.in === 'path' && p.name === name);
    const documented = { name: name!, in: 'path' as const, required: true, schema: jsonSchema(schema, 'input') };
    if (at >= 0) parameters[at] = documented;
    else parameters.push(documented);
  }
  for (const { schema } of validated(RouteParamtypes.QUERY)) {
    const object = jsonSchema(schema, 'input');
    for (const [name, property] of Object.entries(object.properties ?? {}) as [string, SchemaObject][]) {
      const { description, ...rest } = property;
      parameters.push({ name, in: 'query', required: object.required?.includes(name) ?? false, schema: rest, ...(description ? { description } : {}) });
    }
  }
  operation.parameters = parameters;

  const body = validated(RouteParamtypes.BODY)[0]?.schema;
  const raw = Reflect.getMetadata(RAW_BODY, handler.fn) as DocumentedBody | undefined;
  if (body || raw) {
    operation.requestBody = { required: true, ...(raw ? { description: raw.description } : {}),
      content: { [raw?.mediaType ?? 'application/json']: { schema: jsonSchema(raw?.schema ?? body!, 'input') } } };
  }

  const answer = Reflect.getMetadata(ANSWER, handler.fn) as DocumentedAnswer | undefined;
  const [status] = Object.keys(operation.responses).filter((s) => /^2\d\d$/.test(s));
  const responses: ResponsesObject = {};
  if (answer && status) {
    responses[status] = { description: answer.description,
      ...(answer.schema ? { content: { [answer.mediaType ?? 'application/json']: { schema: jsonSchema(answer.schema, 'output') } } } : {}) };
  } else if (status) {
    responses[status] = operation.responses[status];
  }
  // a query pipe that refuses values with 422 (not 400) says so with `refusal: 'invalid'`
  const refusesQueryValues = args.some(([key, arg]) => key.split(':')[0] === String(RouteParamtypes.QUERY)
    && arg.pipes?.some((pipe) => (pipe as { refusal?: unknown } | null)?.refusal === 'invalid'));
  const errors = [
    ...(parameters.length > 0 || operation.requestBody ? ['400'] : []),
    ...(operation.security?.length ? ['401', '403'] : []),
    ...(operation.requestBody ? ['413'] : []),
    ...(operation.requestBody || refusesQueryValues ? ['422'] : []),
    'default',
  ];
  const error = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  for (const s of errors) responses[s] = { description: ERRORS[s], content: error };
  operation.responses = responses;
}

/** A pipe's zod schema, if it validates with one. */
function zodSchemaOf(pipe: unknown): z.ZodType | undefined {
  const schema = (pipe as { schema?: unknown } | null)?.schema;
  return schema instanceof z.ZodType ? schema : undefined;
}

/** A zod schema as an OpenAPI 3.0 schema: what a request may send (`input`: defaults optional) or what an answer holds. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaObject {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io }) as SchemaObject;
}
