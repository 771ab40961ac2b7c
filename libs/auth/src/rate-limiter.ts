import { DomainError } from '@tributary/errors';

/** Past this many buckets, full ones (idle long enough to have refilled) are dropped: a full bucket is the same as none. */
const PRUNE_ABOVE = 10_000;

/**
 * Token buckets, one per key (a credential, a webhook connector): `perSecond` tokens flow into each,
 * up to `burst`, and every request takes one or is refused with 429 and how long until the next one
 * (`Retry-After`). A rate of 0 is no limit. In memory, per process: behind several api processes a
 * key gets the rate from each. Callers take a token only once the request has proven whose it is
 * (a verified credential, a valid signature), so nobody can spend another's tokens.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** what a key is, for the error message: `credential`, `connector` */
    private readonly subject: string,
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): void {
    if (this.perSecond <= 0) return;
    const now = this.now();
    const tokens = this.tokensAt(key, now);
    if (tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
      throw new DomainError('rate_limited', 'rate_limited',
        `too many requests for this ${this.subject}: at most ${this.perSecond} a second, in bursts of up to ${this.burst}; retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds, limitPerSecond: this.perSecond, burst: this.burst });
    }
    this.buckets.delete(key); // re-inserted last: the map stays in order of last use
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > PRUNE_ABOVE) this.prune(now);
  }

  private tokensAt(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    return bucket ? Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond) : this.burst;
  }

  private prune(now: number): void {
    for (const key of this.buckets.keys()) {
      // oldest use first; stopping at the first bucket still refilling keeps this cheap (it is about memory, not exactness)
      if (this.tokensAt(key, now) < this.burst) break;
      this.buckets.delete(key);
    }
  }
}
