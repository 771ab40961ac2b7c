import { bucketsSpanned, MAX_TREND_BUCKETS, trendBuckets } from './trend-buckets';

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

describe('trendBuckets', () => {
  it('aligns to bucket starts: a span of the most hours off the hour takes one bucket more', () => {
    const from = new Date('2026-11-01T00:30:00Z');
    const buckets = trendBuckets(from, new Date(from.getTime() + MAX_TREND_BUCKETS * 3_600_000), 'hour');
    expect(buckets).toHaveLength(MAX_TREND_BUCKETS + 1);
    expect(buckets[0].start.toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });

  it('refuses a span of more buckets than the bound the API checks', () => {
    const from = new Date('2026-11-01T00:00:00Z');
    expect(() => trendBuckets(from, new Date(from.getTime() + (MAX_TREND_BUCKETS * 3_600_000) + 1), 'hour'))
      .toThrow(expect.objectContaining({ code: 'analytics_buckets' }));
  });
});
