import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { invalid, malformed } from '@tributary/errors';

const pathOf = (path: PropertyKey[]) =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '') || '(body)';

// Each pipe's `schema` is public: the OpenAPI document (openApiDocument) describes the parameter or body with it.
// A query pipe that refuses with 422 says so with `refusal` (the document lists that answer).

function describe(error: z.ZodError) {
  const issues = error.issues.slice(0, 20).map((i) => ({ path: pathOf(i.path), message: i.message }));
  return { issues, summary: issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
}

/** Parses a JSON body into its typed value; valid JSON of the wrong shape is 422 with every failing path. */
export class ParseBody<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const { issues, summary } = describe(parsed.error);
    throw invalid('validation_failed', `the request body is invalid: ${summary}`, { issues });
  }
}

/** Parses query parameters; a malformed one is 400. */
export class ParseQuery<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const { issues, summary } = describe(parsed.error);
    throw malformed('invalid_query', `invalid query parameters: ${summary}`, { issues });
  }
}

/**
 * Parses query parameters that are values to compute with (a depth, a window, a time range) rather
 * than keys to look up: one that is well formed but out of its range or set is 422 `invalid_query`,
 * like a body's content. Text no parameter may hold (NUL, a lone surrogate) is still 400, checked for
 * every route before this runs.
 */
export class ParseQueryValues<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  /** read by the OpenAPI document: the operation lists a 422 answer */
  readonly refusal = 'invalid';

  constructor(readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const { issues, summary } = describe(withUnknownParametersNamed(parsed.error));
    throw invalid('invalid_query', `invalid query parameters: ${summary}`, { issues });
  }
}

/** An unknown query parameter as an issue at its own name (zod reports unknown keys at the object). */
const withUnknownParametersNamed = (error: z.ZodError) => new z.ZodError(error.issues.flatMap((i): z.core.$ZodIssue[] => (i.code === 'unrecognized_keys'
  ? i.keys.map((key) => ({ ...i, keys: [key], path: [...i.path, key], message: 'not a parameter of this endpoint' }))
  : [i])));

/** Parses one path parameter. */
export class ParseParam<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly name: string, readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const { message } = parsed.error.issues[0];
    throw malformed('invalid_path', `path parameter ${this.name}: ${message}`, { issues: [{ path: this.name, message }] });
  }
}
