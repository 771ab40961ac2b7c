import {
  ASSUMED_INPUT, COMPREHENSION_RATE, COMPREHENSIONS, EXPRESSION_BUDGET, FUNCTION_RATES, isTimeZoneGetter, OPERATOR_RATES, readingCost,
  TIME_ZONE_CALL_UNITS,
} from './cost-model';
import { ExpressionError } from './expression-error';

type Ast = import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } }).ASTNode;

/** Upper bounds of a value: the characters of a string, the items of a list or map, and the bounds of those items. */
interface Shape {
  chars: number;
  items: number;
  item: Shape | null;
}

const SCALAR: Shape = { chars: 0, items: 0, item: null };

/** A value read from the input, sized as ASSUMED_INPUT says, or parsed from `chars` characters of JSON: its items are such values again. */
function unknownValue(chars: number, items: number): Shape {
  const shape: Shape = { chars, items, item: null };
  shape.item = shape;
  return shape;
}
const INPUT = unknownValue(ASSUMED_INPUT.stringChars, ASSUMED_INPUT.listItems);

/** The part of an expression that could cost the most, located in its source. */
export interface CostlyPart {
  start: number;
  end: number;
  cost: number;
}

export interface CostEstimate {
  /** units the whole expression could use on inputs within ASSUMED_INPUT */
  cost: number;
  /** the smallest part that alone could exceed EXPRESSION_BUDGET, when one does */
  costliest: CostlyPart | null;
}

/** A `duration()` literal: Go's syntax ("90s", "1h30m"), short. cel-js parses it with a regular expression that is cubic in its length. */
const DURATION_LITERAL = /^[-+]?(\d{1,9}(\.\d{1,9})?(ns|us|µs|ms|s|m|h)){1,6}$/;

/**
 * The most an expression could cost, from its syntax tree alone (it is never run): every node
 * costs one unit, a comprehension its receiver's size times its body, a function what it reads
 * (cost-model.ts). Sizes are tracked as upper bounds: of the literals written, of the input
 * (ASSUMED_INPUT), and of what operations make of them (`a + a` is twice as long as `a`).
 * Throws ExpressionError for a function whose cost cannot be bounded.
 */
export function estimateCost(ast: Ast): CostEstimate {
  const estimator = new CostEstimator();
  return { cost: estimator.visit(ast, new Map()).cost, costliest: estimator.costliest };
}

type Scope = ReadonlyMap<string, Shape>;
interface Estimate {
  cost: number;
  shape: Shape;
}

class CostEstimator {
  costliest: CostlyPart | null = null;

  visit(node: Ast, scope: Scope): Estimate {
    const estimate = this.estimate(node, scope);
    // children are visited first: the first part found over budget is a smallest one
    if (estimate.cost > EXPRESSION_BUDGET && !this.costliest) this.costliest = { start: node.start, end: node.end, cost: estimate.cost };
    return estimate;
  }

  private estimate(node: Ast, scope: Scope): Estimate {
    switch (node.op) {
      case 'value':
        return { cost: 1, shape: typeof node.args === 'string' || node.args instanceof Uint8Array ? sized(node.args.length) : SCALAR };
      case 'id':
        return { cost: 1, shape: scope.get(node.args) ?? INPUT };
      case '.':
      case '.?': {
        const of = this.visit(node.args[0], scope);
        return { cost: of.cost + 1, shape: of.shape.item ?? SCALAR };
      }
      case '[]':
      case '[?]': {
        const [of, index] = node.args.map((n) => this.visit(n, scope));
        return { cost: of.cost + index.cost + 1, shape: of.shape.item ?? SCALAR };
      }
      case 'list': {
        const items = node.args.map((n) => this.visit(n, scope));
        return { cost: sum(items) + 1, shape: { chars: 0, items: items.length, item: joinAll(items.map((i) => i.shape)) } };
      }
      case 'map': {
        const entries = node.args.flatMap((entry) => entry.map((n) => this.visit(n, scope)));
        return { cost: sum(entries) + 1, shape: { chars: 0, items: node.args.length, item: joinAll(entries.map((e) => e.shape)) } };
      }
      case '?:': {
        const [condition, then, otherwise] = node.args.map((n) => this.visit(n, scope));
        return { cost: condition.cost + Math.max(then.cost, otherwise.cost) + 1, shape: join(then.shape, otherwise.shape) ?? SCALAR };
      }
      case '&&':
      case '||':
        return { cost: sum(node.args.map((n) => this.visit(n, scope))) + 1, shape: SCALAR };
      case '!_':
      case '-_':
        return { cost: this.visit(node.args, scope).cost + 1, shape: SCALAR };
      case 'call': {
        const [name, args] = node.args;
        if (name === 'has' && args.length === 1) return { cost: this.visit(args[0], scope).cost + 1, shape: SCALAR };
        return this.call(node, name, null, args, scope);
      }
      case 'rcall': {
        const [name, receiver, args] = node.args;
        if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args.length === 3 && args[0].op === 'id') {
          const value = this.visit(args[1], scope);
          const body = this.visit(args[2], new Map(scope).set(args[0].args, value.shape));
          return { cost: value.cost + body.cost + 1, shape: body.shape };
        }
        if (COMPREHENSIONS.has(name) && args[0]?.op === 'id') return this.comprehension(name, receiver, args[0].args, args.slice(1), scope);
        return this.call(node, name, receiver, args, scope);
      }
      default: {
        const [left, right] = node.args.map((n) => this.visit(n, scope));
        const rate = OPERATOR_RATES.get(node.op);
        const reading = rate ? readingCost(rate, left.shape.chars + right.shape.chars, left.shape.items + right.shape.items) : 0;
        return { cost: left.cost + right.cost + 1 + reading, shape: node.op === '+' ? concatenated(left.shape, right.shape) : SCALAR };
      }
    }
  }

  /** One evaluation of the body per item, each also costing the step that collects it (cel-js: a ternary, a push). */
  private comprehension(name: string, receiver: Ast, variable: string, bodies: Ast[], scope: Scope): Estimate {
    const over = this.visit(receiver, scope);
    const item = over.shape.item ?? SCALAR;
    const inner = new Map(scope).set(variable, item);
    const body = bodies.map((b) => this.visit(b, inner));
    const items = over.shape.items;
    const cost = over.cost + readingCost(COMPREHENSION_RATE, 0, items) + 2 + items * (sum(body) + 3);
    const shape = name === 'map' ? { chars: 0, items, item: body[body.length - 1]!.shape } : name === 'filter' ? { chars: 0, items, item } : SCALAR;
    return { cost, shape };
  }

  private call(node: Ast, name: string, receiver: Ast | null, args: Ast[], scope: Scope): Estimate {
    // a method call's node starts at its receiver: point at the method's name
    const position = receiver ? Math.max(node.input.indexOf(name, receiver.end), node.start) : node.start;
    if (name === 'matches') {
      throw new ExpressionError('matches() is not available: a regular expression can run for minutes on a short text; use contains(), startsWith() or endsWith()',
        position, 'compile');
    }
    const rate = FUNCTION_RATES.get(name);
    if (!rate) throw new ExpressionError(`${name}() is not available`, position, 'compile');
    if (name === 'duration' && !(args[0]?.op === 'value' && typeof args[0].args === 'string' && DURATION_LITERAL.test(args[0].args))) {
      throw new ExpressionError('duration() takes a literal such as "90s" or "1h30m"', position, 'compile');
    }
    const operands = [...(receiver ? [receiver] : []), ...args].map((n) => this.visit(n, scope));
    const chars = operands.reduce((n, o) => n + o.shape.chars, 0);
    const items = operands.reduce((n, o) => n + o.shape.items, 0);
    const zone = receiver && isTimeZoneGetter(name, args.length) ? TIME_ZONE_CALL_UNITS : 0;
    return { cost: sum(operands) + 1 + readingCost(rate, chars, items) + zone, shape: resultShape(name, operands.map((o) => o.shape)) };
  }
}

/** What a function returns, bounded from its receiver (first) and arguments. */
function resultShape(name: string, operands: Shape[]): Shape {
  const [first = SCALAR, second = SCALAR] = operands;
  switch (name) {
    case 'lowerAscii':
    case 'upperAscii':
    case 'trim':
    case 'substring':
      return sized(first.chars);
    case 'string':
      return sized(Math.max(first.chars, 32));
    case 'bytes':
      return sized(first.chars * 3);
    case 'hex':
      return sized(first.chars * 2);
    case 'base64':
      return sized(Math.ceil(first.chars / 3) * 4 + 4);
    case 'split':
      return { chars: 0, items: first.chars + 1, item: sized(first.chars) };
    case 'join':
      return sized(first.items * ((first.item?.chars ?? 0) + second.chars));
    case 'json':
      return unknownValue(first.chars, first.chars);
    case 'dyn':
      return first;
    default:
      return SCALAR;
  }
}

const sized = (chars: number): Shape => ({ chars, items: 0, item: null });
const sum = (estimates: Estimate[]) => estimates.reduce((n, e) => n + e.cost, 0);

function concatenated(a: Shape, b: Shape): Shape {
  return { chars: a.chars + b.chars, items: a.items + b.items, item: join(a.item, b.item) };
}

/** The smallest bounds that hold both. Input shapes are cyclic (an item of input is input): deep joins stop at the larger one. */
function join(a: Shape | null, b: Shape | null, depth = 0): Shape | null {
  if (!a || a === b) return b;
  if (!b) return a;
  if (depth > 8) return a.chars + a.items >= b.chars + b.items ? a : b;
  return { chars: Math.max(a.chars, b.chars), items: Math.max(a.items, b.items), item: join(a.item, b.item, depth + 1) };
}

const joinAll = (shapes: Shape[]) => shapes.reduce<Shape | null>((a, b) => join(a, b), null);
