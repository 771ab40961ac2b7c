import { invalid } from '@tributary/errors';

// cel-js is ESM-only; Node >= 20.19 loads it with require(), and jest transforms it (jest.config.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } });

/** Tenant-written expressions are small: these bounds keep parsing and evaluation cheap. */
const MAX_SOURCE_CHARS = 4096;
const MAX_OUTPUT_BYTES = 64 * 1024;
const LIMITS = { maxAstNodes: 1000, maxDepth: 40, maxListElements: 500, maxMapEntries: 500, maxCallArguments: 16 };

export class ExpressionError extends Error {
  constructor(message: string, readonly position: number | null, readonly phase: 'compile' | 'evaluate') {
    super(message);
    this.name = 'ExpressionError';
  }
}

/**
 * A CEL expression (https://cel.dev) written by a tenant: filters and transforms of rules and
 * connectors. CEL cannot loop, define functions or reach the runtime, so an expression's cost is
 * bounded by its size and its input's size; we also bound the source length, the AST, and the
 * size of the result.
 *
 * JSON integers are given to CEL as CEL ints (so `event.count * 2` works) and CEL ints come back
 * as JSON numbers.
 */
export class Expression {
  private constructor(readonly source: string, private readonly run: (ctx: Record<string, unknown>) => unknown) {}

  /** Parses and type-checks; a broken expression fails here, with the position of the error. */
  static compile(source: string, variables: readonly string[]): Expression {
    if (source.length > MAX_SOURCE_CHARS) throw new ExpressionError(`an expression may be at most ${MAX_SOURCE_CHARS} characters`, null, 'compile');
    const env = new cel.Environment({ limits: LIMITS, homogeneousAggregateLiterals: false });
    for (const v of variables) env.registerVariable(v, 'dyn');
    try {
      const parsed = env.parse(source);
      const checked = parsed.check();
      if (!checked.valid) throw checked.error ?? new Error('the expression does not type-check');
      return new Expression(source, (ctx) => parsed(ctx));
    } catch (err) {
      throw fromCelError(err, 'compile');
    }
  }

  evaluate(context: Record<string, unknown>): unknown {
    let result: unknown;
    try {
      result = fromCel(this.run(toCel(context) as Record<string, unknown>));
    } catch (err) {
      throw fromCelError(err, 'evaluate');
    }
    if (Buffer.byteLength(JSON.stringify(result) ?? '') > MAX_OUTPUT_BYTES) {
      throw new ExpressionError(`the result is larger than ${MAX_OUTPUT_BYTES} bytes`, null, 'evaluate');
    }
    return result;
  }
}

/** A compile error as the API reports it when a rule or connector is saved (422 with the position). */
export function compileOrReject(field: string, source: string, variables: readonly string[]): Expression {
  try {
    return Expression.compile(source, variables);
  } catch (err) {
    const e = err as ExpressionError;
    throw invalid('invalid_expression', `${field}: ${e.message}`, { field, position: e.position, variables });
  }
}

function fromCelError(err: unknown, phase: 'compile' | 'evaluate'): ExpressionError {
  if (err instanceof ExpressionError) return err;
  const e = err as { summary?: string; message?: string; range?: { start: number } };
  return new ExpressionError(e.summary ?? e.message ?? String(err), e.range?.start ?? null, phase);
}

function toCel(v: unknown): unknown {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v;
}

function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCel(x)]));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)]));
  return v;
}
