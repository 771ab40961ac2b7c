import { bucketsSpanned } from './trend-buckets';

describe('bucketsSpanned', () => {
  const from = new Date('2026-11-01T00:00:00Z');
  const after = (ms: number) => new Date(from.getTime() + ms);

  it('counts whole hours, days and weeks', () => {
    expect(bucketsSpanned(from, after(2000 * 3_600_000), 'hour')).toBe(2000);
    expect(bucketsSpanned(from, after(3 * 86_400_000), 'day')).toBe(3);
    expect(bucketsSpanned(from, after(14 * 86_400_000), 'week')).toBe(2);
  });

  it('counts a partial bucket as one', () => {
    expect(bucketsSpanned(from, after(1), 'hour')).toBe(1);
    expect(bucketsSpanned(from, after(2000 * 3_600_000 + 1), 'hour')).toBe(2001);
    expect(bucketsSpanned(from, after(8 * 86_400_000), 'week')).toBe(2);
  });
});
