import { performance } from 'node:perf_hooks';

/**
 * Wall-clock time in epoch milliseconds with sub-millisecond resolution. Unlike `performance.now()`
 * alone (whose origin is each thread's start), it compares across worker threads, so a time taken
 * by the load generator's thread can be subtracted from one taken on the main thread.
 */
export const epochMs = (): number => performance.timeOrigin + performance.now();
