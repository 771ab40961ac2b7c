import { invalid } from '@tributary/errors';
import { ASSUMED_INPUT, EXPRESSION_BUDGET } from './cost-model';
import { CostEstimate, estimateCost } from './cost-estimator';
import { CelEvaluator, CostMeter } from './cost-meter';
import { ExpressionError } from './expression-error';

// cel-js is ESM-only; Node >= 20.19 loads it with require(), and jest transforms it (jest.config.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } });

export { ASSUMED_INPUT, EXPRESSION_BUDGET } from './cost-model';
export { ExpressionError, type ExpressionErrorCode } from './expression-error';

/** Tenant-written expressions are small: these bounds keep parsing cheap and results small. */
const MAX_SOURCE_CHARS = 4096;
const MAX_OUTPUT_BYTES = 64 * 1024;
const LIMITS = { maxAstNodes: 1000, maxDepth: 40, maxListElements: 500, maxMapEntries: 500, maxCallArguments: 16 };

/**
 * A function that hands back the evaluator calling it: how the meter finds the evaluator of an
 * environment (cel-js keeps it private). Expressions cannot call it: the cost estimate refuses
 * every function it does not know.
 */
const EVALUATOR_PROBE = '__tributary_evaluator';

/**
 * A CEL expression (https://cel.dev) written by a tenant: filters and transforms of connectors,
 * filters and values of rules. CEL cannot loop, define functions or reach the runtime, but nested
 * comprehensions over lists can still run for seconds, so every expression has a cost: estimated
 * from its syntax when it is compiled (`cost`; compileOrReject refuses one that could exceed
 * EXPRESSION_BUDGET), and counted while it runs (an evaluation stops with
 * `expression_budget_exceeded` once it used the budget, 10–30 ms of work at most). The meter runs
 * in the calling thread: it adds about a fifth to an evaluation (a typical filter: 2.5 → 3.1 µs),
 * where a worker thread per evaluation would add a ~60 µs round trip to every delivery.
 *
 * JSON integers are given to CEL as CEL ints (so `event.count * 2` works) and CEL ints come back
 * as JSON numbers.
 */
export class Expression {
  private constructor(
    readonly source: string,
    private readonly estimate: CostEstimate,
    private readonly evaluateParsed: (ctx: Record<string, unknown>) => unknown,
    /** null for an expression loaded but refused (see `load`) */
    private readonly meter: CostMeter | null,
  ) {}

  /**
   * Parses and type-checks; a broken expression fails here, with the position of the error, and
   * so does one calling a function whose cost has no bound (cost-model.ts). An expression over the
   * budget compiles (one stored before the budget existed must still load; the meter stops it).
   */
  static compile(source: string, variables: readonly string[]): Expression {
    if (source.length > MAX_SOURCE_CHARS) throw new ExpressionError(`an expression may be at most ${MAX_SOURCE_CHARS} characters`, null, 'compile');
    const env = new cel.Environment({ limits: LIMITS, homogeneousAggregateLiterals: false });
    let evaluator: CelEvaluator | undefined;
    env.registerFunction(`${EVALUATOR_PROBE}(): bool`, function (this: CelEvaluator) {
      evaluator = this;
      return true;
    });
    let parsed: ReturnType<typeof env.parse>;
    try {
      for (const v of variables) env.registerVariable(v, 'dyn');
      parsed = env.parse(source);
      const checked = parsed.check();
      if (!checked.valid) throw checked.error ?? new Error('the expression does not type-check');
    } catch (err) {
      throw fromCelError(err, 'compile');
    }
    const estimate = estimateCost(parsed.ast);
    env.evaluate(`${EVALUATOR_PROBE}()`);
    const meter = new CostMeter(evaluator!, parsed.ast);
    // fail loudly if a cel-js upgrade stops evaluating nodes through the evaluator's run
    meter.start();
    env.evaluate(`${EVALUATOR_PROBE}() && ${EVALUATOR_PROBE}()`);
    if (meter.cost < 2) throw new Error('cel-js no longer evaluates through Evaluator.run: the expression budget cannot be enforced');
    return new Expression(source, estimate, parsed, meter);
  }

  /**
   * An expression as stored with a rule or connector: compiled as `compile` does, except that one
   * the platform now refuses (saved before a function became unavailable) still loads, and each of
   * its evaluations fails with the reason. One stored expression must not stop its connector or the
   * tenant's other rules: its deliveries are parked and its rule matches nothing until it is fixed.
   */
  static load(source: string, variables: readonly string[]): Expression {
    try {
      return Expression.compile(source, variables);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      const refused = new ExpressionError(`the stored expression is refused: ${err.message}`, err.position, 'evaluate', 'invalid_expression');
      return new Expression(source, { cost: 0, costliest: null }, () => { throw refused; }, null);
    }
  }

  /** The most an evaluation could cost on inputs within ASSUMED_INPUT, in the units of EXPRESSION_BUDGET. */
  get cost(): number {
    return this.estimate.cost;
  }

  /** The smallest part of the source that alone could exceed the budget, if any. */
  get costliestPart(): { start: number; end: number; cost: number } | null {
    return this.estimate.costliest;
  }

  evaluate(context: Record<string, unknown>): unknown {
    return this.run(context).value;
  }

  /** Evaluates and says what it cost; throws ExpressionError, `expression_budget_exceeded` when stopped. */
  run(context: Record<string, unknown>): { value: unknown; cost: number } {
    let value: unknown;
    this.meter?.start();
    try {
      value = fromCel(this.evaluateParsed(toCel(context) as Record<string, unknown>));
    } catch (err) {
      if (this.meter?.exhausted) {
        throw new ExpressionError(`the expression used more than ${units(EXPRESSION_BUDGET)} cost units, the budget of one evaluation, and was stopped`,
          null, 'evaluate', 'expression_budget_exceeded');
      }
      throw fromCelError(err, 'evaluate');
    }
    if (Buffer.byteLength(JSON.stringify(value) ?? '') > MAX_OUTPUT_BYTES) {
      throw new ExpressionError(`the result is larger than ${MAX_OUTPUT_BYTES} bytes`, null, 'evaluate');
    }
    return { value, cost: this.meter?.cost ?? 0 };
  }
}

/**
 * An expression as the API takes it when a rule or connector is saved: a compile error, or an
 * estimate over the budget, is a 422 naming the field and the position (and for the cost, the part
 * of the source, its estimate and the budget).
 */
export function compileOrReject(field: string, source: string, variables: readonly string[]): Expression {
  let expression: Expression;
  try {
    expression = Expression.compile(source, variables);
  } catch (err) {
    const e = err as ExpressionError;
    throw invalid('invalid_expression', `${field}: ${e.message}`, { field, position: e.position, variables });
  }
  if (expression.cost > EXPRESSION_BUDGET) {
    const part = expression.costliestPart ?? { start: 0, end: source.length, cost: expression.cost };
    const text = source.slice(part.start, part.end);
    const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
    throw invalid('expression_too_costly',
      `${field}: \`${shown}\` (at ${part.start}) could cost up to ${units(part.cost)} units; an evaluation may use at most ${units(EXPRESSION_BUDGET)} `
      + `(with strings of up to ${ASSUMED_INPUT.stringChars} characters and lists of up to ${ASSUMED_INPUT.listItems} items in the input). `
      + 'Nested comprehensions multiply: walk one list, not a list per item.',
      { field, position: part.start, end: part.end, part: text, estimate: Math.ceil(expression.cost), budget: EXPRESSION_BUDGET, assumedInput: ASSUMED_INPUT });
  }
  return expression;
}

/** `POST /v1/expressions/check`: the expression's estimated cost, or the 422 saving it would get. */
export function checkExpression(source: string, variables: readonly string[]): { ok: true; cost: number; budget: number } {
  return { ok: true, cost: Math.ceil(compileOrReject('expression', source, variables).cost), budget: EXPRESSION_BUDGET };
}

const units = (n: number) => (Number.isFinite(n) ? Math.ceil(n).toLocaleString('en-US') : 'unboundedly many');

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
