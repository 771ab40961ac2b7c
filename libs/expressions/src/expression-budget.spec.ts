import { DomainError } from '@tributary/errors';
import { ASSUMED_INPUT, compileOrReject, Expression, EXPRESSION_BUDGET, ExpressionError } from './expression';

const numbers = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;

/**
 * The shape of the steward's filter that froze every tenant's event loop for 7.7 s: comprehension
 * macros nested over lists built in the expression itself (42^5 ≈ 130 million iterations).
 */
const STALLING_FILTER = `event.severity == "SEV-1" || ${numbers(42)}.exists(a, ${numbers(42)}.exists(b, ${numbers(42)}.exists(c, `
  + `${numbers(42)}.exists(d, ${numbers(42)}.exists(e, a + b + c + d + e == event.count)))))`;

/** A string doubled by cel.bind fifteen times over: 64 × 2^15 characters, measured by size(). */
const DOUBLING = `${Array.from({ length: 15 }, (_, i) => `cel.bind(s${i + 1}, s${i} + s${i}, `).join('')}s15.size() > 0${')'.repeat(15)}`;
const STRING_REPEAT = `cel.bind(s0, "${'0123456789abcdef'.repeat(4)}", ${DOUBLING})`;

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

function expressionError(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error('expected an ExpressionError');
}

describe('expression cost', () => {
  describe('the static estimate at save', () => {
    it('refuses the nested comprehensions that stalled the process, naming the part, the estimate and the budget', () => {
      expect(STALLING_FILTER.length).toBeGreaterThan(900);
      const err = domainError(() => compileOrReject('filter', STALLING_FILTER, ['event']));
      expect(err).toMatchObject({ kind: 'invalid', code: 'expression_too_costly' });
      const details = err.details as { field: string; position: number; part: string; estimate: number; budget: number };
      expect(details.field).toBe('filter');
      expect(details.budget).toBe(EXPRESSION_BUDGET);
      expect(details.estimate).toBeGreaterThan(EXPRESSION_BUDGET);
      // the part named is a comprehension over a literal list, inside the filter (after `event.severity == "SEV-1" || `)
      expect(details.position).toBeGreaterThan(0);
      expect(STALLING_FILTER.slice(details.position)).toMatch(/^\[0, 1, 2/);
      expect(details.part).toMatch(/^\[0, 1, 2, .*\.(exists|all)\(/);
      expect(err.message).toMatch(/^filter: .* could cost up to [\d,]+ units; an evaluation may use at most 100,000/);
    });

    it('refuses strings that grow by repeated doubling', () => {
      const err = domainError(() => compileOrReject('transform', STRING_REPEAT, ['event']));
      expect(err.code).toBe('expression_too_costly');
    });

    it('refuses a walk of the input inside a walk of the input, sized by the stated input bounds', () => {
      const quadratic = 'event.tables.map(t, event.tables.filter(u, u.ref == t.ref + "x").size() > 0 ? t.ref.size() : 0)';
      expect(domainError(() => compileOrReject('action.value', quadratic, ['event'])).code).toBe('expression_too_costly');
    });

    it('accepts the expressions rules and connectors are written with, and says what they may cost', () => {
      const everyday = [
        'event.data.source == "direct"',
        '"certificate" in source.attributes && source.attributes.certificate == "DEPRECATED"',
        'source.qualifiedName',
        '"owner" in source.attributes',
        'event.severity == "SEV-3" && event.type.startsWith("fresh")',
        '{"severity": event.count > 5 ? "SEV-2" : event.severity}',
        'event.tables.map(t, t.ref)',
        'event.tables.exists(t, t.ref.lowerAscii().startsWith("analytics:") || t.ref.contains("prod"))',
        '{"title": event.title + " (" + event.tables.map(t, t.ref).join(", ") + ")", "tags": ["a", "b"]}',
        'has(event.data.after) && event.data.after.name in ["PII", "Finance", "GDPR"]',
        'timestamp(event.time).getHours() < 8 || duration("90m") > duration("1h")',
      ];
      for (const source of everyday) {
        const expression = compileOrReject('filter', source, ['event', 'source']);
        expect({ source, cost: expression.cost }).toEqual({ source, cost: expect.any(Number) });
        expect(expression.cost).toBeLessThanOrEqual(EXPRESSION_BUDGET);
      }
    });

    it('refuses functions whose run time no budget bounds: matches(), and duration() of anything but a short literal', () => {
      expect(expressionError(() => Expression.compile('event.title.matches("(a+)+$")', ['event'])).message)
        .toMatch(/matches\(\) is not available/);
      expect(expressionError(() => Expression.compile('duration(event.title) > duration("1h")', ['event'])).message)
        .toMatch(/duration\(\) takes a literal/);
      expect(() => Expression.compile(`duration("${'1'.repeat(4000)}s") > duration("1h")`, ['event'])).toThrow(/duration\(\) takes a literal/);
      expect(domainError(() => compileOrReject('filter', 'event.title.matches("x")', ['event']))).toMatchObject({
        code: 'invalid_expression', details: { field: 'filter', position: 12 },
      });
    });

    it('estimates at least what an evaluation costs, for inputs within the stated bounds', () => {
      const text = 'x'.repeat(ASSUMED_INPUT.stringChars);
      const tables = Array.from({ length: ASSUMED_INPUT.listItems }, (_, i) => ({ ref: `${text.slice(0, ASSUMED_INPUT.stringChars - 3)}${i}` }));
      const event = { title: text, severity: text, count: 3, tables, data: { source: text, after: { name: 'PII' } } };
      const samples = [
        'event.severity == "SEV-3" && event.title.contains("x")',
        'event.tables.map(t, t.ref.upperAscii())',
        'event.tables.filter(t, t.ref.endsWith("7")).map(t, t.ref.size())',
        'event.tables.map(t, {"ref": t.ref, "n": t.ref.size()})',
        'event.title.split("").join("-").size() > 5',
        'event.tables.exists(t, t.ref in [event.title, event.severity]) || event.count * 2 > 5',
        'cel.bind(r, event.tables.map(t, t.ref), r + r).size()',
        `${numbers(30)}.map(a, ${numbers(30)}.filter(b, a < b).size())`,
      ];
      for (const source of samples) {
        const expression = compileOrReject('sample', source, ['event']);
        const { cost } = expression.run({ event });
        expect({ source, cost: Math.min(cost, expression.cost) }).toEqual({ source, cost });
      }
    });
  });

  describe('the budget of one evaluation', () => {
    it('stops the stalling filter when it slipped past the estimate (stored before it existed)', () => {
      const expression = Expression.compile(STALLING_FILTER, ['event']);
      const err = expressionError(() => expression.evaluate({ event: { severity: 'SEV-3', count: -1 } }));
      expect(err).toMatchObject({ code: 'expression_budget_exceeded', phase: 'evaluate' });
      expect(err.message).toMatch(/more than 100,000 cost units/);
    });

    it('stops strings doubled until they are enormous', () => {
      const expression = Expression.compile(STRING_REPEAT, ['event']);
      expect(expressionError(() => expression.evaluate({ event: {} })).code).toBe('expression_budget_exceeded');
    });

    it('stops a cheap-looking expression on an input far larger than the estimate assumed', () => {
      const expression = compileOrReject('transform', 'event.tables.map(t, t.ref)', ['event']);
      const tables = Array.from({ length: 200_000 }, (_, i) => ({ ref: `db:s.t${i}` }));
      expect(expressionError(() => expression.evaluate({ event: { tables } })).code).toBe('expression_budget_exceeded');
    });

    it('charges the characters a function reads: sizing a huge string in a loop stops', () => {
      const expression = Expression.compile('event.tables.map(t, event.description.size())', ['event']);
      const event = { tables: Array.from({ length: 50 }, () => ({})), description: 'é'.repeat(1 << 20) };
      expect(expressionError(() => expression.evaluate({ event })).code).toBe('expression_budget_exceeded');
    });

    it('loads a stored expression the platform now refuses, and fails each of its evaluations with the reason', () => {
      const stored = Expression.load('event.title.matches("(a+)+$")', ['event']);
      const err = expressionError(() => stored.evaluate({ event: { title: 'aaaa' } }));
      expect(err).toMatchObject({ code: 'invalid_expression', phase: 'evaluate' });
      expect(err.message).toMatch(/^the stored expression is refused: matches\(\) is not available/);
      expect(Expression.load('event.title', ['event']).evaluate({ event: { title: 'a' } })).toBe('a');
    });

    it('gives every evaluation a fresh budget', () => {
      const expression = Expression.compile('event.tables.map(t, t.ref)', ['event']);
      expect(() => expression.evaluate({ event: { tables: Array.from({ length: 200_000 }, () => ({ ref: 'x' })) } })).toThrow(ExpressionError);
      expect(expression.evaluate({ event: { tables: [{ ref: 'a' }] } })).toEqual(['a']);
    });
  });
});
