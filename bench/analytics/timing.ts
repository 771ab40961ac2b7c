import { performance } from 'node:perf_hooks';
import { Distribution, distribution } from '../support/stats';

/** Runs `run` `warmUps` times untimed (caches, JIT), then `runs` times in sequence, timed. */
export async function timeRuns(warmUps: number, runs: number, run: () => Promise<unknown>): Promise<Distribution> {
  for (let i = 0; i < warmUps; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return distribution(samples);
}

/** Times one run and keeps its answer. */
export async function timeOnce<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}
