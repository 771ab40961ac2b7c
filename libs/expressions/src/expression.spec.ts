import { DomainError } from '@tributary/errors';
import { compileOrReject, Expression, ExpressionError } from './expression';

describe(Expression.name, () => {
  const event = { severity: 'SEV-3', count: 7, ratio: 0.5, type: 'freshness', tables: [{ ref: 'a' }, { ref: 'b' }] };
  const run = (source: string) => Expression.compile(source, ['event']).evaluate({ event });

  describe('evaluation', () => {
    it('filters and reshapes JSON', () => {
      expect(run('event.severity == "SEV-3" && event.type.startsWith("fresh")')).toBe(true);
      expect(run('{"severity": event.count > 5 ? "SEV-2" : event.severity}')).toEqual({ severity: 'SEV-2' });
      expect(run('event.tables.map(t, t.ref)')).toEqual(['a', 'b']);
    });

    it('treats JSON integers as CEL ints and gives numbers back', () => {
      expect(run('event.count * 2')).toBe(14);
      expect(run('event.ratio * 2.0')).toBe(1);
      expect(run('event.tables.size()')).toBe(2);
    });

    it('fails at run time on a missing field, as an ExpressionError', () => {
      expect(() => run('event.nope == 1')).toThrow(ExpressionError);
    });

    it('bounds the size of the result', () => {
      const big = { event: { s: 'x'.repeat(40 * 1024) } };
      expect(() => Expression.compile('[event.s, event.s]', ['event']).evaluate(big)).toThrow(/larger than/);
    });
  });

  describe('compilation', () => {
    it('rejects a syntax error with its position', () => {
      try {
        Expression.compile('event.severity ==', ['event']);
        throw new Error('expected a compile error');
      } catch (err) {
        expect(err).toBeInstanceOf(ExpressionError);
        expect((err as ExpressionError).position).toBe(17);
      }
    });

    it('rejects an unknown variable', () => {
      expect(() => Expression.compile('process.exit(1)', ['event'])).toThrow(ExpressionError);
    });

    it('rejects a type error, and overlong sources', () => {
      expect(() => Expression.compile('1 + "a"', ['event'])).toThrow(ExpressionError);
      expect(() => Expression.compile(`"${'a'.repeat(5000)}"`, ['event'])).toThrow(/at most 4096/);
    });
  });

  describe(compileOrReject.name, () => {
    it('turns a compile error into a 422 naming the field and the position', () => {
      try {
        compileOrReject('transform', '{"a": }', ['event']);
        throw new Error('expected a DomainError');
      } catch (err) {
        expect(err).toBeInstanceOf(DomainError);
        expect(err).toMatchObject({ kind: 'invalid', code: 'invalid_expression', details: { field: 'transform', position: 6 } });
      }
    });
  });
});
