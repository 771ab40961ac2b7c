/*
 * What an expression may cost, in one unit shared by the estimate made when it is saved
 * (cost-estimator.ts) and the meter that stops an evaluation (cost-meter.ts).
 *
 * One unit is one node of the expression evaluated (an operator, a field read, one iteration of a
 * comprehension's body: 13–50 ns on a 2-core machine), plus, for a function or an operator, what
 * it reads: the characters of its string arguments and the items of its list and map arguments,
 * each function at its own rate (measured: `size()` walks code points at ~11 ns a character,
 * `contains()` scans at 0.02 ns). EXPRESSION_BUDGET units are about 10 ms of work: the filter that
 * stalled the process for 7.7 s (issue 10) is stopped after 8 ms (30 ms the first time, before the
 * JIT has compiled the evaluator).
 */

/** Units one evaluation may use; the evaluation stops with an error beyond it. */
export const EXPRESSION_BUDGET = 100_000;

/**
 * The inputs the estimate made at save assumes (any string of `event` or `source` at most this
 * long, any list or map at most this many items): an expression that could cost more than the
 * budget on such inputs is refused. A larger input is still bounded, by the meter.
 */
export const ASSUMED_INPUT = { stringChars: 256, listItems: 100 } as const;

/** How many characters and items a function reads per unit, and a fixed cost per call. */
export interface Rate {
  charsPerUnit: number;
  itemsPerUnit: number;
  perCall: number;
}

const rate = (charsPerUnit: number, itemsPerUnit = 4, perCall = 0): Rate => ({ charsPerUnit, itemsPerUnit, perCall });

/** Reading is cheap (a scan, a comparison, concatenation into a rope): 256 characters a unit. */
const SCAN = rate(256);
/** Walking every character (code points, splitting, decoding): 1 character a unit; changing case or encoding: 8. */
const WALK = rate(1);
const MAP_CHARS = rate(8);
const DEFAULT_RATE = rate(16);

/**
 * Every function an expression may call, with its rate. A function missing here is refused when
 * the expression is compiled: its cost would be unknown. Left out on purpose: `matches()`
 * (JavaScript regular expressions backtrack: one call on a short string can run for minutes).
 */
export const FUNCTION_RATES: ReadonlyMap<string, Rate> = new Map<string, Rate>([
  ...['contains', 'startsWith', 'endsWith', 'indexOf', 'lastIndexOf', 'trim', 'substring'].map((f) => [f, SCAN] as const),
  ...['size', 'split', 'join', 'string', 'json'].map((f) => [f, WALK] as const),
  ...['lowerAscii', 'upperAscii', 'bytes', 'base64', 'hex'].map((f) => [f, MAP_CHARS] as const),
  ...['int', 'uint', 'double', 'bool', 'dyn', 'type', 'timestamp', 'duration', 'at'].map((f) => [f, DEFAULT_RATE] as const),
  // timestamp and duration fields; with a time zone argument each call formats a date through Intl (~65 µs)
  ...['getDate', 'getDayOfMonth', 'getDayOfWeek', 'getDayOfYear', 'getFullYear', 'getHours', 'getMilliseconds', 'getMinutes',
    'getMonth', 'getSeconds'].map((f) => [f, DEFAULT_RATE] as const),
]);

/** A date getter given a time zone (`t.getHours("Europe/Berlin")`): what it costs beyond its arguments. */
export const TIME_ZONE_CALL_UNITS = 5000;

/** Operators that read their operands: comparisons, membership, concatenation. Arithmetic reads no more than a number. */
export const OPERATOR_RATES: ReadonlyMap<string, Rate> = new Map([
  ...['==', '!=', '<', '<=', '>', '>=', '+'].map((op) => [op, SCAN] as const),
  ['in', DEFAULT_RATE],
]);

/**
 * Macros: the comprehensions (one body evaluation per item of the receiver, which they read once
 * to list its items), `has()` and `cel.bind()`.
 */
export const COMPREHENSIONS: ReadonlySet<string> = new Set(['map', 'filter', 'all', 'exists', 'exists_one']);
export const COMPREHENSION_RATE = rate(Infinity);

/** The date getters that read a time zone when given one argument. */
export const isTimeZoneGetter = (name: string, argumentCount: number) => name.startsWith('get') && argumentCount === 1;

/** Units for reading `chars` characters and `items` items at a rate. */
export const readingCost = (r: Rate, chars: number, items: number) => chars / r.charsPerUnit + items / r.itemsPerUnit;
