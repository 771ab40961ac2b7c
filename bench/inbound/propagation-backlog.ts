import { Runtime } from '@tributary/platform';
import { APPLY_QUEUE, CHANGES_STREAM, FANOUT_QUEUE } from '@tributary/propagation';

/**
 * The work the propagator (part of the platform app) still has from the changes so far: change-log
 * records it has not consumed, and fan-out and apply jobs waiting or running. Every applied incident
 * makes some, on the same PostgreSQL as the inbound path.
 */
export interface PropagationBacklog {
  changes: number;
  jobs: number;
}

export async function propagationBacklog(runtime: Runtime): Promise<PropagationBacklog> {
  const [changes, fanout, apply] = await Promise.all([
    runtime.eventLog.lag('propagator', CHANGES_STREAM), runtime.jobQueue.depth(FANOUT_QUEUE), runtime.jobQueue.depth(APPLY_QUEUE),
  ]);
  return { changes, jobs: fanout + apply };
}

/** Waits until the propagator has no backlog; returns how long that took, or null past `limitMs`. */
export async function waitForPropagation(runtime: Runtime, limitMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    const { changes, jobs } = await propagationBacklog(runtime);
    if (changes === 0 && jobs === 0) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}
