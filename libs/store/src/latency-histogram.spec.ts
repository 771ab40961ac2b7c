import { Metrics } from '@tributary/observability';
import { bucketOf, LATENCY_BOUNDS_MS, quantileMs, storableMs } from './latency-histogram';

const empty = () => LATENCY_BOUNDS_MS.map(() => 0);
const counted = (...ms: number[]) => {
  const buckets = empty();
  for (const m of ms) buckets[bucketOf(m)] += 1;
  return buckets;
};

describe('latency histogram', () => {
  describe('bucketOf', () => {
    it('counts a latency in the first bucket whose bound it does not exceed, the last (+Inf) past 60 s', () => {
      expect([0, 10, 11, 25, 26, 999, 1000, 1001, 60_000, 60_001, 10 ** 9].map(bucketOf)).toEqual([0, 0, 1, 1, 2, 6, 6, 7, 11, 12, 12]);
    });
  });

  describe('quantileMs', () => {
    it('is the upper bound of the bucket where the cumulative count reaches the rank', () => {
      // 10 samples: 9 of them at most 100 ms, one of 3 s
      const buckets = counted(5, 20, 30, 40, 60, 70, 80, 90, 95, 3000);
      expect(quantileMs(buckets, 3000, 0.5)).toBe(100);
      expect(quantileMs(buckets, 3000, 0.9)).toBe(100);
      // the 10th sample, in the bucket up to 5 s: capped at the 3 s measured
      expect(quantileMs(buckets, 3000, 0.95)).toBe(3000);
    });

    it('never says more than the largest sample: a bound above it is capped there', () => {
      expect(quantileMs(counted(120, 130), 130, 0.5)).toBe(130);
      expect(quantileMs(counted(120, 130), 130, 0.95)).toBe(130);
    });

    it('is the largest sample in the +Inf bucket', () => {
      expect(quantileMs(counted(90_000, 120_000), 120_000, 0.95)).toBe(120_000);
    });

    it('is null with nothing counted', () => {
      expect(quantileMs(empty(), 0, 0.5)).toBeNull();
    });
  });

  describe('storableMs', () => {
    it('rounds to whole ms, and keeps a latency a clock skew made negative at 0', () => {
      expect([storableMs(12.6), storableMs(-40), storableMs(1e12)]).toEqual([13, 0, 2 ** 31 - 1]);
    });
  });

  it('has the bounds of the Prometheus latency histograms, and +Inf', async () => {
    const metrics = new Metrics('test');
    metrics.ingestLatency.observe({ source: 's', from: 'received' }, 1);
    metrics.propagationLatency.observe(1);
    const text = await metrics.registry.metrics();
    for (const name of ['tributary_ingest_latency_seconds_bucket', 'tributary_propagation_latency_seconds_bucket']) {
      const les = [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\ble="([^"]+)"`, 'gm'))].map((m) => (m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000));
      expect([name, les]).toEqual([name, LATENCY_BOUNDS_MS]);
    }
  });
});
