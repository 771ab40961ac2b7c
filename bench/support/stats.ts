/** Summaries of timing samples (milliseconds). */
export interface Distribution {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(samplesMs: number[]): Distribution {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/** Nearest-rank percentile: a value that was actually measured, never an interpolation. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const formatMs = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;

export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

export const formatBytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
