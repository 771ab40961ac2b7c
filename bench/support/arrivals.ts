import { epochMs } from './clock';
import { Distribution, distribution } from './stats';
import type { SendTimes } from './open-loop';

/** How long after its last item a phase waits for everything accepted to arrive at the far end. */
export const DRAIN_LIMIT_MS = 5000;
const DRAIN_POLL_MS = 20;

export interface Arrivals {
  /** Scheduled send → seen at the far end, for the accepted items seen. */
  latency: Distribution;
  /** Accepted items never seen. */
  unseen: number;
  /** Accepted items not yet seen when the last one was sent. */
  backlogAtEnd: number;
}

/** Where the accepted items of an open-loop run (by index) were seen (epoch ms, undefined: not seen). */
export function arrivals(times: SendTimes, accepted: number[], seenAt: (i: number) => number | undefined, lastSent: number): Arrivals {
  const latencyMs: number[] = [];
  let backlogAtEnd = 0;
  for (const i of accepted) {
    const at = seenAt(i);
    if (at !== undefined) latencyMs.push(at - times.scheduledAt[i]);
    if (at === undefined || at > lastSent) backlogAtEnd += 1;
  }
  return { latency: distribution(latencyMs), unseen: accepted.length - latencyMs.length, backlogAtEnd };
}

/** Polls `drained` until it holds; returns the time that took from the last send, or null past DRAIN_LIMIT_MS. */
export async function waitForDrain(drained: () => Promise<boolean>, lastSent: number): Promise<number | null> {
  while (epochMs() - lastSent < DRAIN_LIMIT_MS) {
    if (await drained()) return epochMs() - lastSent;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  return null;
}
