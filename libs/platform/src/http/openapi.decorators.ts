import { z } from 'zod';

/** What a handler answers with on success: read by openApiDocument. */
export interface DocumentedAnswer {
  description: string;
  /** absent for an answer without a body (204) */
  schema?: z.ZodType;
  /** JSON unless said (a stream of server-sent events) */
  mediaType?: string;
}

/** A body the handler reads itself (a webhook's raw bytes), with the schema it is checked against. */
export interface DocumentedBody {
  description: string;
  schema: z.ZodType;
  /** the body's media type (Slack's interactivity requests are forms) */
  mediaType: string;
}

export const ANSWER = Symbol('tributary.openapi.answer');
export const RAW_BODY = Symbol('tributary.openapi.rawBody');

/** Two types are the same type (not merely assignable either way: an extra optional field differs). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/** A value's type as a client receives it in JSON: a branded string (TenantId) is a plain string. */
type AsJson<T> = T extends string & { readonly __brand: unknown } ? string
  : T extends (infer U)[] ? AsJson<U>[]
  : T extends object ? { [K in keyof T]: AsJson<T[K]> }
  : T;

/** Compiles only when the handler returns exactly the schema's type; otherwise names what the schema says. */
type Answering<R, A> = Same<AsJson<Awaited<R>>, A> extends true ? unknown : { 'the handler answers a type other than its response schema': A };
type Handler<R> = TypedPropertyDescriptor<(...args: never[]) => R>;

/**
 * The handler's success answer: its zod schema becomes the answer's schema in the OpenAPI document,
 * and the handler must return exactly that schema's type (checked by the compiler), so the document
 * cannot drift from what the code answers. The status is the route's own (@HttpCode or Nest's default).
 */
export function Responds<S extends z.ZodType>(description: string, schema: S) {
  return <R>(_target: object, _key: string | symbol, descriptor: Handler<R> & Answering<R, z.output<S>>): void => {
    Reflect.defineMetadata(ANSWER, { description, schema } satisfies DocumentedAnswer, descriptor.value!);
  };
}

/**
 * A success answer that is a stream of server-sent events (`text/event-stream`), each event's data
 * one `item`. Not checked by the compiler as Responds is: the handler returns an Observable of events.
 */
export function Streams(description: string, item: z.ZodType) {
  return (_target: object, _key: string | symbol, descriptor: PropertyDescriptor): void => {
    Reflect.defineMetadata(ANSWER, { description, schema: item, mediaType: 'text/event-stream' } satisfies DocumentedAnswer, descriptor.value);
  };
}

/** A success answer without a body (204): the handler returns nothing. */
export function RespondsEmpty(description: string) {
  return <R>(_target: object, _key: string | symbol, descriptor: Handler<R> & Answering<R, void>): void => {
    Reflect.defineMetadata(ANSWER, { description } satisfies DocumentedAnswer, descriptor.value!);
  };
}

/**
 * For a handler that reads its body itself rather than through a validation pipe (a webhook, whose
 * signature is checked over the raw bytes first): the schema the body is checked against afterwards,
 * and its media type (JSON unless said).
 */
export function ReadsBody(description: string, schema: z.ZodType, mediaType = 'application/json') {
  return (_target: object, _key: string | symbol, descriptor: PropertyDescriptor): void => {
    Reflect.defineMetadata(RAW_BODY, { description, schema, mediaType } satisfies DocumentedBody, descriptor.value);
  };
}
