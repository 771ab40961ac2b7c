import { benchResults, processUse } from '../../../test/support/bench-results.factory';
import { benchResultsSchema } from './bench-results';

describe('benchResultsSchema', () => {
  const figure = (key: string, value = 1) => ({ key, label: key, value, unit: 'ms' as const });

  it('takes what the suites write', () => {
    expect(benchResultsSchema.safeParse(benchResults('inbound', { figures: [figure('steady.visible.p99')], processes: [processUse('steady.platform', 'platform', 0.001)] })).success).toBe(true);
  });

  it.each([
    ['a key used twice', benchResults('inbound', { figures: [figure('a.b'), figure('a.b')] }), 'key a.b is used twice'],
    ['a key with capitals or spaces', benchResults('inbound', { figures: [figure('Steady p99')] }), 'a key is lower-case'],
    ['a value that is not a finite number', benchResults('inbound', { figures: [figure('a', Number.NaN)] }), 'figures'],
    ['a process over no time', benchResults('inbound', { processes: [{ ...processUse('a', 'platform', 1), wallSeconds: 0 }] }), 'wallSeconds'],
    ['a date that is not one', { ...benchResults('inbound'), measuredAt: 'yesterday' }, 'measuredAt'],
  ])('refuses %s', (_, results, message) => {
    const parsed = benchResultsSchema.safeParse(results);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error!.issues)).toContain(message);
  });
});
