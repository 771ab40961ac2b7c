import {
  COMPREHENSION_RATE, COMPREHENSIONS, EXPRESSION_BUDGET, FUNCTION_RATES, isTimeZoneGetter, OPERATOR_RATES, Rate, readingCost,
  TIME_ZONE_CALL_UNITS,
} from './cost-model';

type Ast = import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } }).ASTNode;

/** cel-js's evaluator: every node but the root is evaluated through its `run`. */
export interface CelEvaluator {
  run(ast: Ast, ctx: unknown): unknown;
}

/** How a function, operator or comprehension node reads the results of its children. */
interface ReadingRate extends Rate {
  /** the one child whose result it reads (a comprehension: its receiver), or null for every child */
  only: Ast | null;
}

/** Set on the nodes that read their children's results, when the meter is built. */
const READS = Symbol('tributary.expression.reads');
type MeteredNode = Ast & { [READS]?: ReadingRate };

/** Thrown once the budget is used; one instance per meter, so that unwinding builds no stack traces. */
class BudgetExhausted extends Error {}

/** What the parent of the node being evaluated reads: every child's result, one child's, or none. */
const EVERY_CHILD = Symbol('every child');
const NO_CHILD = Symbol('no child');

/**
 * Counts what one evaluation of an expression costs (cost-model.ts) and stops it past the budget.
 * cel-js has no hook for this (its limits bound the syntax tree, not the work), but it evaluates
 * every node except the root through its evaluator's `run`: the meter takes the place of `run`,
 * counts each node as it starts, and charges a function or operator for the size of every value
 * it reads when it returns.
 *
 * Once exhausted, every node throws at its start, so the error unwinds at once, even through
 * `all()`/`exists()`, which absorb an error and go on to their next item (each next item throws
 * before doing any work). Evaluation is synchronous (no async function is registered), so the
 * state below belongs to one evaluation at a time.
 */
export class CostMeter {
  private used = 0;
  private budget = EXPRESSION_BUDGET;
  private measuring: Ast | typeof EVERY_CHILD | typeof NO_CHILD = NO_CHILD;
  /** characters and items of the results read so far by the node being evaluated */
  private chars = 0;
  private items = 0;
  private readonly exhaustedError = new BudgetExhausted('the evaluation used its budget');

  constructor(evaluator: CelEvaluator, ast: Ast) {
    markReaders(ast);
    const meter = this;
    evaluator.run = function run(this: CelEvaluator, node: Ast, ctx: unknown): unknown {
      return meter.evaluate(this, node as MeteredNode, ctx);
    };
  }

  /** Starts an evaluation with a full budget. */
  start(budget = EXPRESSION_BUDGET): void {
    this.used = 0;
    this.budget = budget;
    this.measuring = NO_CHILD;
    this.chars = 0;
    this.items = 0;
  }

  /** Units used by the evaluation so far. */
  get cost(): number {
    return this.used;
  }

  /** Whether the evaluation was stopped (whatever error cel-js let surface after that). */
  get exhausted(): boolean {
    return this.used > this.budget;
  }

  private evaluate(evaluator: CelEvaluator, ast: MeteredNode, ctx: unknown): unknown {
    if ((this.used += 1) > this.budget) throw this.exhaustedError;
    const parentMeasuring = this.measuring;
    const rate = ast[READS];
    let result: unknown;
    if (rate === undefined) {
      this.measuring = NO_CHILD;
      try {
        result = run(evaluator, ast, ctx);
      } finally {
        this.measuring = parentMeasuring;
      }
    } else {
      const parentChars = this.chars;
      const parentItems = this.items;
      this.chars = 0;
      this.items = 0;
      this.measuring = rate.only ?? EVERY_CHILD;
      let chars = 0;
      let items = 0;
      try {
        result = run(evaluator, ast, ctx);
      } finally {
        chars = this.chars;
        items = this.items;
        this.chars = parentChars;
        this.items = parentItems;
        this.measuring = parentMeasuring;
      }
      if ((this.used += readingCost(rate, chars, items) + rate.perCall) > this.budget) throw this.exhaustedError;
    }
    if (parentMeasuring === EVERY_CHILD || parentMeasuring === ast) this.addSize(result);
    return result;
  }

  private addSize(value: unknown): void {
    if (typeof value === 'string') this.chars += value.length;
    else if (Array.isArray(value)) this.items += value.length;
    else if (value instanceof Uint8Array) this.chars += value.length;
    else if (value instanceof Map || value instanceof Set) this.items += value.size;
    else if (value !== null && typeof value === 'object' && (value.constructor === Object || value.constructor === undefined)) {
      this.items += Object.keys(value).length;
    }
  }
}

/** What Evaluator.run does. */
const run = (evaluator: CelEvaluator, ast: Ast, ctx: unknown): unknown =>
  (ast as unknown as { evaluate(ev: CelEvaluator, node: Ast, c: unknown): unknown }).evaluate(evaluator, ast, ctx);

/** Marks every node of the tree that reads its children's results with its rate (once, before any evaluation). */
function markReaders(node: Ast): void {
  const rate = readingRate(node);
  if (rate) (node as MeteredNode)[READS] = rate;
  for (const child of children(node)) markReaders(child);
}

function readingRate(ast: Ast): ReadingRate | null {
  switch (ast.op) {
    case 'call': {
      const rate = ast.args[0] === 'has' ? undefined : FUNCTION_RATES.get(ast.args[0]);
      return rate ? { ...rate, only: null } : null;
    }
    case 'rcall': {
      const [name, receiver, args] = ast.args;
      if (name === 'bind') return null;
      if (COMPREHENSIONS.has(name)) return { ...COMPREHENSION_RATE, only: receiver };
      const rate = FUNCTION_RATES.get(name);
      if (!rate) return null;
      return { ...rate, perCall: isTimeZoneGetter(name, args.length) ? TIME_ZONE_CALL_UNITS : rate.perCall, only: null };
    }
    default: {
      const rate = OPERATOR_RATES.get(ast.op);
      return rate ? { ...rate, only: null } : null;
    }
  }
}

function children(node: Ast): Ast[] {
  switch (node.op) {
    case 'value':
    case 'id':
      return [];
    case '.':
    case '.?':
      return [node.args[0]];
    case '!_':
    case '-_':
      return [node.args];
    case 'call':
      return node.args[1];
    case 'rcall':
      return [node.args[1], ...node.args[2]];
    case 'map':
      return node.args.flat();
    default:
      return node.args;
  }
}
