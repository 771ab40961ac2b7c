/**
 * What PostgreSQL can store as text. `text` and `jsonb` refuse U+0000 (NUL) outright, and a lone
 * UTF-16 surrogate (JSON's `"\ud800"` parses to one) is not a character at all: `jsonb` refuses its
 * escape and `text` would silently hold U+FFFD instead. Input is checked against this at the HTTP
 * edge (refused, naming the field) and made storable where it must be accepted (a signed webhook).
 */

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Why PostgreSQL cannot store the string, or undefined when it can. */
export function unstorableText(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? 'contains a NUL character (U+0000), which cannot be stored'
    : 'contains a lone surrogate (not a Unicode character; not valid UTF-8), which cannot be stored';
}

/** The string with every NUL and lone surrogate replaced by U+FFFD, the replacement character. */
export const toStorableText = (s: string): string => s.replace(UNSTORABLE_ALL, '\ufffd');

/** A JSON value with every string in it (keys included) made storable. */
export function toStorableJson<T>(value: T): T {
  if (typeof value === 'string') return toStorableText(value) as T;
  if (Array.isArray(value)) return value.map(toStorableJson) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toStorableText(k), toStorableJson(v)])) as T;
  }
  return value;
}

export interface JsonProblem {
  /** where, as `assets[0].attributes.owner`; '' for the value itself */
  path: string;
  message: string;
}

/**
 * The first place in a parsed JSON value that cannot be stored: a key or string value with
 * unstorable text, or objects and arrays nested more than `maxDepth` levels (JSON.stringify and
 * PostgreSQL's jsonb parser both recurse, so depth is bounded before either sees it). Iterative, so
 * that a body nested a million levels deep costs a loop, not the stack.
 */
export function findJsonProblem(value: unknown, maxDepth: number): JsonProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) return { path, message: why };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return { path, message: `nests deeper than ${maxDepth} levels of objects and arrays` };
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((item, i) => [i, item]) : Object.entries(v);
    for (const [key] of entries) {
      const why = typeof key === 'string' ? unstorableText(key) : undefined;
      if (why) return { path, message: `a key ${why}` };
    }
    // pushed in reverse, so that values are looked at in document order
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i][1], path: jsonPath(path, entries[i][0]), depth: depth + 1 });
  }
  return undefined;
}

/** `a.b[2].c`: the notation the API's validation errors use. */
export const jsonPath = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;
