import { DomainError } from '@tributary/errors';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  let clock = 0;
  const limiter = (perSecond: number, burst: number) => new RateLimiter('credential', perSecond, burst, () => clock);
  const refusal = (l: RateLimiter, key: string): DomainError | undefined => {
    try {
      l.take(key);
      return undefined;
    } catch (err) {
      return err as DomainError;
    }
  };
  beforeEach(() => { clock = 1_000_000; });

  it('lets a burst through, then refuses with the seconds until the next token', () => {
    const l = limiter(2, 3);
    for (let i = 0; i < 3; i++) expect(refusal(l, 'a')).toBeUndefined();
    const err = refusal(l, 'a');
    expect(err).toMatchObject({ kind: 'rate_limited', code: 'rate_limited', details: { retryAfterSeconds: 1, limitPerSecond: 2, burst: 3 } });
    expect(err!.message).toMatch(/at most 2 a second, in bursts of up to 3/);
  });

  it('refills at its rate, never above the burst', () => {
    const l = limiter(2, 3);
    for (let i = 0; i < 3; i++) l.take('a');
    clock += 500;
    expect(refusal(l, 'a')).toBeUndefined();
    expect(refusal(l, 'a')).toBeDefined();
    clock += 3_600_000;
    for (let i = 0; i < 3; i++) expect(refusal(l, 'a')).toBeUndefined();
    expect(refusal(l, 'a')).toBeDefined();
  });

  it('says how long a slow rate takes to give the next token, in whole seconds', () => {
    const l = limiter(0.1, 1);
    l.take('a');
    clock += 2_500;
    expect(refusal(l, 'a')!.details).toMatchObject({ retryAfterSeconds: 8 });
  });

  it('keeps one bucket per key', () => {
    const l = limiter(1, 1);
    l.take('a');
    expect(refusal(l, 'a')).toBeDefined();
    expect(refusal(l, 'b')).toBeUndefined();
  });

  it('a rate of 0 is no limit', () => {
    const l = limiter(0, 1);
    for (let i = 0; i < 10_000; i++) expect(refusal(l, 'a')).toBeUndefined();
  });

  it('forgets buckets that have refilled once there are many, and still limits the ones in use', () => {
    const l = limiter(1, 1);
    for (let i = 0; i < 10_000; i++) l.take(`idle-${i}`);
    clock += 2_000;
    l.take('busy');
    l.take('another');
    expect(refusal(l, 'busy')).toBeDefined();
    expect((l as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(2);
  });
});
