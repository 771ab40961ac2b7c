import { findJsonProblem, toStorableJson, toStorableText, unstorableText } from './storable-text';

describe('storable text', () => {
  describe('unstorableText', () => {
    it('accepts any real character, astral ones (surrogate pairs) included', () => {
      for (const s of ['', 'plain', 'é ü 中文', '😀 𝄞', '\u0001\u001f\ufffd\uffff']) expect(unstorableText(s)).toBeUndefined();
    });

    it('refuses NUL and lone surrogates, high or low, anywhere', () => {
      expect(unstorableText('a\u0000b')).toMatch(/NUL character/);
      for (const s of ['\ud800', 'a\ud800b', '\udc00', 'x\udfffy', '😀\ud83d', '\ude00😀']) expect(unstorableText(s)).toMatch(/lone surrogate/);
    });
  });

  describe('toStorableText and toStorableJson', () => {
    it('replace what cannot be stored with U+FFFD and keep the rest', () => {
      expect(toStorableText('a\u0000b\ud800c😀')).toBe('a\ufffdb\ufffdc😀');
      expect(toStorableJson({ 'k\u0000': ['x\udc00', 1, null, { n: true }] })).toEqual({ 'k\ufffd': ['x\ufffd', 1, null, { n: true }] });
    });
  });

  describe('findJsonProblem', () => {
    it('names the path of the first bad value, or the object holding a bad key', () => {
      expect(findJsonProblem({ a: [1, { b: 'ok' }, 'x\u0000'], c: '\ud800' }, 32)).toEqual({ path: 'a[2]', message: expect.stringMatching(/NUL/) });
      expect(findJsonProblem({ a: { 'b\udc00': 1 } }, 32)).toEqual({ path: 'a', message: expect.stringMatching(/^a key .*lone surrogate/) });
      expect(findJsonProblem('\u0000', 32)).toEqual({ path: '', message: expect.stringMatching(/NUL/) });
      expect(findJsonProblem({ a: [{ b: 'fine' }], n: 1, t: true, z: null }, 32)).toBeUndefined();
    });

    it('allows maxDepth levels of objects and arrays and names where the next one starts', () => {
      const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: [nested(depth - 1)] });
      // each level of `nested` is an object and an array: two levels
      expect(findJsonProblem(nested(16), 32)).toBeUndefined();
      expect(findJsonProblem(nested(17), 32)).toEqual({ path: `a${'[0].a'.repeat(15)}[0]`, message: 'nests deeper than 32 levels of objects and arrays' });
    });

    it('walks a value nested a million levels deep without exhausting the stack', () => {
      const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
      expect(findJsonProblem(deep, 32)?.message).toMatch(/deeper than 32/);
    });
  });
});
