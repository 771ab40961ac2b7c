/**
 * A JSON reader that keeps what `JSON.parse` throws away, for the two places where the exact text
 * matters: rebuilding Python's `repr` of a webhook body (signature check) and hashing a body into a
 * canonical form (delivery key).
 *
 * - Numbers keep their literal text, so `1.0` stays a float, `1` an int, and an integer of any
 *   length keeps every digit.
 * - Objects are `Map`s in first-seen key order; a repeated key takes the last value but keeps its
 *   first position. That is what Python's `json.loads` builds (a dict assigned key by key); it is
 *   also the value `JSON.parse` keeps.
 * - It accepts what Python's `json.loads` accepts and nothing more: `NaN`, `Infinity` and
 *   `-Infinity` are allowed (Python extensions), control characters inside strings are not (strict
 *   mode), an integer literal over 4300 digits is refused (Python's int/str conversion limit,
 *   3.11+), and nesting is capped at {@link MAX_JSON_DEPTH} (Python fails near 1000 levels,
 *   depending on its stack; we stop earlier so deep input can never exhaust ours).
 */
export type JsonNode =
  | { kind: 'string'; value: string }
  /** `text` is the literal as written; `integer` when it has no fraction and no exponent. */
  | { kind: 'number'; text: string; integer: boolean }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'object'; entries: Map<string, JsonNode> }
  | { kind: 'array'; items: JsonNode[] };

export const MAX_JSON_DEPTH = 500;
const MAX_INT_DIGITS = 4300;

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Reject extends Error {}

/** Parses one JSON text; undefined when Python's `json.loads` would refuse it. */
export function parseExactJson(text: string): JsonNode | undefined {
  try {
    const reader = new Reader(text);
    reader.skipWhitespace();
    const value = reader.value(0);
    reader.skipWhitespace();
    if (!reader.atEnd()) return undefined;
    return value;
  } catch (err) {
    if (err instanceof Reject) return undefined;
    throw err;
  }
}

class Reader {
  private at = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at === this.text.length;
  }

  skipWhitespace(): void {
    while (this.at < this.text.length) {
      const c = this.text[this.at];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.at++;
    }
  }

  value(depth: number): JsonNode {
    const c = this.text[this.at];
    switch (c) {
      case '{':
        return this.object(depth + 1);
      case '[':
        return this.array(depth + 1);
      case '"':
        return { kind: 'string', value: this.string() };
      case 'n':
        return this.keyword('null', { kind: 'null' });
      case 't':
        return this.keyword('true', { kind: 'boolean', value: true });
      case 'f':
        return this.keyword('false', { kind: 'boolean', value: false });
      case 'N':
        return this.keyword('NaN', { kind: 'number', text: 'NaN', integer: false });
      case 'I':
        return this.keyword('Infinity', { kind: 'number', text: 'Infinity', integer: false });
      default:
        if (this.text.startsWith('-Infinity', this.at)) {
          return this.keyword('-Infinity', { kind: 'number', text: '-Infinity', integer: false });
        }
        return this.number();
    }
  }

  private keyword(word: string, node: JsonNode): JsonNode {
    if (!this.text.startsWith(word, this.at)) throw new Reject();
    this.at += word.length;
    return node;
  }

  private number(): JsonNode {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (!m) throw new Reject();
    this.at += m[0].length;
    const integer = m[1] === undefined && m[2] === undefined;
    if (integer && m[0].replace('-', '').length > MAX_INT_DIGITS) throw new Reject();
    return { kind: 'number', text: m[0], integer };
  }

  private string(): string {
    this.at++; // opening quote
    let out = '';
    let runStart = this.at;
    for (;;) {
      if (this.at >= this.text.length) throw new Reject();
      const code = this.text.charCodeAt(this.at);
      if (code === 0x22) {
        out += this.text.slice(runStart, this.at);
        this.at++;
        return out;
      }
      if (code < 0x20) throw new Reject();
      if (code !== 0x5c) {
        this.at++;
        continue;
      }
      out += this.text.slice(runStart, this.at);
      const esc = this.text[this.at + 1];
      if (esc === 'u') {
        const hex = this.text.slice(this.at + 2, this.at + 6);
        if (!HEX4.test(hex)) throw new Reject();
        // Concatenating an escaped high and low surrogate yields the pair, as Python combines them.
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += 6;
      } else {
        const simple = esc === undefined ? undefined : SIMPLE_ESCAPES[esc];
        if (simple === undefined) throw new Reject();
        out += simple;
        this.at += 2;
      }
      runStart = this.at;
    }
  }

  private object(depth: number): JsonNode {
    if (depth > MAX_JSON_DEPTH) throw new Reject();
    this.at++;
    const entries = new Map<string, JsonNode>();
    this.skipWhitespace();
    if (this.text[this.at] === '}') {
      this.at++;
      return { kind: 'object', entries };
    }
    for (;;) {
      if (this.text[this.at] !== '"') throw new Reject();
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.at] !== ':') throw new Reject();
      this.at++;
      this.skipWhitespace();
      entries.set(key, this.value(depth)); // Map.set keeps a repeated key's first position
      this.skipWhitespace();
      const next = this.text[this.at++];
      if (next === '}') return { kind: 'object', entries };
      if (next !== ',') throw new Reject();
      this.skipWhitespace();
    }
  }

  private array(depth: number): JsonNode {
    if (depth > MAX_JSON_DEPTH) throw new Reject();
    this.at++;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.at] === ']') {
      this.at++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipWhitespace();
      const next = this.text[this.at++];
      if (next === ']') return { kind: 'array', items };
      if (next !== ',') throw new Reject();
      this.skipWhitespace();
    }
  }
}

/**
 * A canonical serialization for hashing: keys sorted (by UTF-16 code units, the order
 * `Array.prototype.sort` gives), no whitespace, strings re-escaped by `JSON.stringify`, integers
 * with every digit, other numbers by value. Two texts that a JSON reader sees as the same value
 * (whitespace, key order, `\u00e9` vs `é`, `1.50` vs `1.5`) serialize identically.
 */
export function canonicalJson(node: JsonNode): string {
  switch (node.kind) {
    case 'string':
      return JSON.stringify(node.value);
    case 'boolean':
      return node.value ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'number':
      return canonicalNumber(node);
    case 'array':
      return `[${node.items.map(canonicalJson).join(',')}]`;
    case 'object': {
      const keys = [...node.entries.keys()].sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(node.entries.get(k) as JsonNode)}`).join(',')}}`;
    }
  }
}

function canonicalNumber(node: { text: string; integer: boolean }): string {
  if (node.integer) return node.text === '-0' ? '0' : node.text;
  const value = Number(node.text);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  // An integral value written as a float (`1.0`, `1e2`) serializes like the integer it equals.
  return Object.is(value, -0) ? '0' : String(value);
}
