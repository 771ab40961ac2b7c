import { createHmac, timingSafeEqual } from 'node:crypto';
import { JsonNode, parseExactJson } from './exact-json';

/** The header Monte Carlo signs webhook deliveries in. */
export const MONTE_CARLO_SIGNATURE_HEADER = 'x-mcd-signature';

/** A hex HMAC-SHA512: 64 bytes, 128 hex digits. Upper-case digits decode to the same bytes. */
const SIGNATURE = /^[0-9a-fA-F]{128}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks `x-mcd-signature`: the hex HMAC-SHA512 of the delivery, keyed with the webhook's signing
 * secret. Monte Carlo's own sample verifier signs `urllib.parse.urlencode(json.loads(body))`
 * rather than the raw bytes, and which one production deliveries use is unconfirmed, so a
 * signature over either is accepted.
 *
 * The comparison is on decoded bytes with `timingSafeEqual`, so hex case does not matter; anything
 * that is not exactly 128 hex digits is false before any comparison. An empty secret verifies
 * nothing: a webhook configured without one must not accept everything.
 */
export function verifyMonteCarloSignature(rawBody: Buffer, signatureHeader: string | undefined, secret: string): boolean {
  if (secret === '' || signatureHeader === undefined) return false;
  const header = signatureHeader.trim();
  if (!SIGNATURE.test(header)) return false;
  const given = Buffer.from(header, 'hex');

  // The form is computed only when the raw bytes did not match. That tells a caller nothing it could
  // use: only someone holding the secret can make the raw form match, and every signature that
  // matches neither takes both computations. (Building the form was 7 % of the api's CPU at 1,500
  // webhooks a second.)
  if (timingSafeEqual(given, hmacSha512(secret, rawBody))) return true;
  const text = decodeUtf8(rawBody);
  const form = text === undefined ? undefined : pythonUrlencodeForm(text);
  return form !== undefined && timingSafeEqual(given, hmacSha512(secret, Buffer.from(form, 'utf8')));
}

function hmacSha512(secret: string, data: Buffer): Buffer {
  return createHmac('sha512', secret).update(data).digest();
}

/** `json.loads` on bytes decodes UTF-8 (dropping a BOM) and rejects invalid sequences. */
function decodeUtf8(raw: Buffer): string | undefined {
  try {
    return utf8.decode(raw);
  } catch {
    return undefined;
  }
}

/**
 * Python's `urllib.parse.urlencode(json.loads(body))`, computed from the JSON text so that ints
 * keep every digit and `1.0` stays a float. Undefined when the body is not a JSON object, or when
 * Python would raise (invalid JSON, an over-long int, a lone surrogate in a top-level key or
 * string value, which UTF-8 cannot encode).
 */
export function pythonUrlencodeForm(rawBody: string): string | undefined {
  // json.loads on a str refuses a BOM, on bytes it skips one; Monte Carlo's verifier reads bytes.
  const node = parseExactJson(rawBody.startsWith('\ufeff') ? rawBody.slice(1) : rawBody);
  if (node?.kind !== 'object') return undefined;
  const pairs: string[] = [];
  for (const [key, value] of node.entries) {
    const k = quotePlus(key);
    const v = quotePlus(pythonStr(value));
    if (k === undefined || v === undefined) return undefined;
    pairs.push(`${k}=${v}`);
  }
  return pairs.join('&');
}

/** Python `str(v)`: a string is itself, everything else is its `repr`. */
function pythonStr(node: JsonNode): string {
  return node.kind === 'string' ? node.value : pythonRepr(node);
}

/** Python `repr` of the value `json.loads` builds for this node. */
export function pythonRepr(node: JsonNode): string {
  switch (node.kind) {
    case 'string':
      return pythonStringRepr(node.value);
    case 'boolean':
      return node.value ? 'True' : 'False';
    case 'null':
      return 'None';
    case 'number':
      return node.integer ? pythonIntRepr(node.text) : pythonFloatRepr(Number(node.text));
    case 'array':
      return `[${node.items.map(pythonRepr).join(', ')}]`;
    case 'object':
      return `{${[...node.entries].map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
}

/** A JSON integer literal has no leading zeros, so its digits are Python's; only `-0` becomes `0`. */
function pythonIntRepr(literal: string): string {
  return literal === '-0' ? '0' : literal;
}

/**
 * Python `repr(float)`: the shortest digits that round-trip (JavaScript's `String(number)` picks the
 * same digits: both are the shortest, nearest representation), laid out as Python's `'r'` format
 * does: positional when the decimal exponent is in -4 <= e < 16, always with a fractional part
 * (`1.0`), scientific otherwise with a signed, at least two-digit exponent (`1e+16`, `1.5e-07`).
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const { digits, pointAt } = shortestDigits(Math.abs(x));
  // pointAt: where the decimal point falls in `digits` (value = 0.d1d2... x 10^pointAt)
  if (pointAt > -4 && pointAt <= 16) {
    if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
    if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}.0`;
    return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  }
  const exponent = pointAt - 1;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}

/** Significant digits (no leading or trailing zeros) and decimal point position of a positive finite number. */
function shortestDigits(x: number): { digits: string; pointAt: number } {
  const [coefficient, exp = '0'] = String(x).split('e');
  const [whole, fraction = ''] = coefficient.split('.');
  let digits = whole + fraction;
  let pointAt = whole.length + Number(exp);
  const leadingZeros = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  pointAt -= leadingZeros;
  return { digits, pointAt };
}

/**
 * Python `repr(str)`. Quotes: single, unless the string holds a `'` and no `"`. Escapes: `\\`, the
 * chosen quote, `\t` `\n` `\r`, other C0 controls and DEL as `\xNN`; non-ASCII characters are kept
 * when printable, else `\xNN` / `\uNNNN` / `\UNNNNNNNN`.
 *
 * Approximation: Python's `str.isprintable` is false for general categories Cc, Cf, Cs, Co, Cn,
 * Zs (except U+0020), Zl and Zp, taken from the Unicode database its build ships with (14.0 for
 * Python 3.11). We test the same categories with JavaScript's `\p{…}`, which uses Node's ICU (a
 * newer Unicode). The two differ only on code points assigned between those versions (recent CJK
 * extensions, scripts and emoji): Python sees them as unassigned (escaped), we as printable (kept).
 * A body with such characters inside a nested value may then only verify in its raw-bytes form.
 */
export function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f || isPrintable(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

function isPrintable(ch: string): boolean {
  return !NON_PRINTABLE.test(ch); // a lone surrogate is \p{Cs}; iteration yields it on its own
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Python `quote_plus(s)` with the default `safe=''`: UTF-8 bytes, `A-Za-z0-9_.-~` kept, space as
 * `+`, everything else `%XX` in upper case. Undefined for a lone surrogate (Python raises).
 */
export function quotePlus(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return undefined;
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (isUnreserved(byte)) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x5f || b === 0x2e || b === 0x2d || b === 0x7e
  );
}
