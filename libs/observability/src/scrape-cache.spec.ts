import { cachedFor } from './scrape-cache';

describe(cachedFor.name, () => {
  it('reads once for the scrapes within the time to live, then again', async () => {
    let reads = 0;
    const lag = cachedFor(50, async () => ++reads);
    expect(await Promise.all([lag(), lag(), lag()])).toEqual([1, 1, 1]);
    await new Promise((r) => setTimeout(r, 60));
    expect(await lag()).toBe(2);
  });

  it('does not keep a failed reading', async () => {
    let reads = 0;
    const lag = cachedFor(10_000, async () => { if (++reads === 1) throw new Error('broker down'); return reads; });
    await expect(lag()).rejects.toThrow('broker down');
    expect(await lag()).toBe(2);
  });
});
