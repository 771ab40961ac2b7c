import { canonicalJson, JsonNode, MAX_JSON_DEPTH, parseExactJson } from './exact-json';

const canonical = (text: string) => {
  const node = parseExactJson(text);
  if (!node) throw new Error(`not JSON: ${text}`);
  return canonicalJson(node);
};

describe('parseExactJson', () => {
  describe('numbers', () => {
    it('keeps the literal and whether it is an integer', () => {
      expect(parseExactJson('12345678901234567890123')).toEqual({ kind: 'number', text: '12345678901234567890123', integer: true });
      expect(parseExactJson('1.0')).toEqual({ kind: 'number', text: '1.0', integer: false });
      expect(parseExactJson('-2E+3')).toEqual({ kind: 'number', text: '-2E+3', integer: false });
    });
  });

  describe('objects', () => {
    it('keep first-seen key order; a repeated key takes the last value', () => {
      const node = parseExactJson('{"b": 1, "a": 2, "b": 3}') as Extract<JsonNode, { kind: 'object' }>;
      expect([...node.entries.keys()]).toEqual(['b', 'a']);
      expect(node.entries.get('b')).toEqual({ kind: 'number', text: '3', integer: true });
    });

    it('treat keys such as __proto__ as ordinary keys', () => {
      const node = parseExactJson('{"__proto__": 1}') as Extract<JsonNode, { kind: 'object' }>;
      expect([...node.entries.keys()]).toEqual(['__proto__']);
    });
  });

  describe('strings', () => {
    it('decode every escape and join escaped surrogate pairs', () => {
      expect(parseExactJson('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"')).toEqual({ kind: 'string', value: '"\\/\b\f\n\r\té😀' });
    });
  });

  describe('nesting', () => {
    it(`stops at ${MAX_JSON_DEPTH} levels instead of exhausting the stack`, () => {
      const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
      expect(parseExactJson(nested(MAX_JSON_DEPTH))).toBeDefined();
      expect(parseExactJson(nested(MAX_JSON_DEPTH + 1))).toBeUndefined();
      expect(parseExactJson(nested(100_000))).toBeUndefined();
    });
  });

  describe('invalid text', () => {
    it.each(['', '{', '{"a"}', '[1 2]', 'tru', '"unterminated', '"\\u12"', '-', '1 2', 'nan', '+1'])('refuses %p', (text) => {
      expect(parseExactJson(text)).toBeUndefined();
    });
  });
});

describe('canonicalJson', () => {
  describe('the same value written differently', () => {
    it('serializes identically', () => {
      const a = canonical('{"b": [1, 2.50, "\\u00e9"], "a": {"y": null, "x": true}}');
      const b = canonical('{\n  "a": {"x": true, "y": null},\n  "b": [1, 2.5, "é"]\n}');
      expect(a).toBe(b);
      expect(a).toBe('{"a":{"x":true,"y":null},"b":[1,2.5,"é"]}');
    });
  });

  describe('big integers', () => {
    it('keep every digit, so values JavaScript numbers would merge stay apart', () => {
      expect(canonical('[12345678901234567891]')).not.toBe(canonical('[12345678901234567892]'));
      expect(canonical('-0')).toBe('0');
    });
  });
});
