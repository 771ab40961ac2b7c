import { DRAIN_LIMIT_MS, PhaseResult } from './load-phase';

/** The rates tried, in order, until one is not sustained; the last bounds the suite's run time. */
export const SEARCH_RATES = [500, 1000, 1500, 2000, 2500, 3000];
export const STEP_SECONDS = 20;
/** The generator must send at least this share of the target rate. */
const MIN_SEND_SHARE = 0.97;

export interface SearchStep {
  result: PhaseResult;
  /** Why the step was not sustained; empty when it was. */
  shortfalls: string[];
}

/**
 * Steps the rate up until the platform stops keeping up. A step is sustained when every webhook was
 * accepted (202), the generator held the rate, and the ingestor kept pace: when sending stopped, at
 * most one second's worth of webhooks was still unapplied, and everything was applied (and the
 * inbound log consumed) within DRAIN_LIMIT_MS.
 */
export async function searchThroughput(runStep: (ratePerSecond: number) => Promise<PhaseResult>,
  progress: (step: SearchStep) => void): Promise<SearchStep[]> {
  const steps: SearchStep[] = [];
  for (const rate of SEARCH_RATES) {
    const result = await runStep(rate);
    const step = { result, shortfalls: shortfalls(result) };
    steps.push(step);
    progress(step);
    if (step.shortfalls.length > 0) break;
  }
  return steps;
}

function shortfalls(r: PhaseResult): string[] {
  const found: string[] = [];
  const failed = r.sent - r.accepted;
  if (failed > 0) found.push(`${failed} webhooks not accepted (${[...r.failures].map(([status, n]) => `${n} × ${status || 'no answer'}`).join(', ')})`);
  if (r.achievedRate < MIN_SEND_SHARE * r.ratePerSecond) found.push(`the generator sent only ${Math.round(r.achievedRate)}/s`);
  if (r.backlogAtEnd > r.ratePerSecond) found.push(`${r.backlogAtEnd} webhooks unapplied when sending stopped (over 1 s of load)`);
  if (r.drainMs === null) found.push(`not all applied within ${DRAIN_LIMIT_MS / 1000} s (${r.unseen} not visible)`);
  return found;
}
