import { DRAIN_LIMIT_MS, PhaseResult } from './load-phase';

/** The rates tried, in order, until one is not sustained; the last bounds the suite's run time. */
export const SEARCH_RATES = [500, 1000, 1500, 2000, 2500, 3000];
export const STEP_SECONDS = 20;
/** The generator must send at least this share of the target rate. */
const MIN_SEND_SHARE = 0.97;

/** What decides whether a step was sustained: the fields of a {@link PhaseResult}, which other loads measure too. */
export type StepOutcome = Pick<PhaseResult, 'ratePerSecond' | 'sent' | 'accepted' | 'failures' | 'achievedRate' | 'backlogAtEnd' | 'drainMs' | 'unseen'>;

export interface SearchStep<R extends StepOutcome = PhaseResult> {
  result: R;
  /** Why the step was not sustained; empty when it was. */
  shortfalls: string[];
}

/**
 * Steps the rate up until the system stops keeping up. A step is sustained when every event was
 * accepted (a webhook answered 202), the generator held the rate, and the consumer kept pace: when
 * sending stopped, at most one second's worth of events was still unapplied, and everything was
 * applied (and the log consumed) within DRAIN_LIMIT_MS.
 */
export async function searchThroughput<R extends StepOutcome>(rates: readonly number[], runStep: (ratePerSecond: number) => Promise<R>,
  progress: (step: SearchStep<R>) => void): Promise<SearchStep<R>[]> {
  const steps: SearchStep<R>[] = [];
  for (const rate of rates) {
    const result = await runStep(rate);
    const step = { result, shortfalls: shortfalls(result) };
    steps.push(step);
    progress(step);
    if (step.shortfalls.length > 0) break;
  }
  return steps;
}

/** The highest sustained step's result, if any was. */
export const highestSustained = <R extends StepOutcome>(steps: SearchStep<R>[]): R | undefined =>
  [...steps].reverse().find((s) => s.shortfalls.length === 0)?.result;

function shortfalls(r: StepOutcome): string[] {
  const found: string[] = [];
  const failed = r.sent - r.accepted;
  if (failed > 0) found.push(`${failed} not accepted (${[...r.failures].map(([status, n]) => `${n} × ${status || 'no answer'}`).join(', ')})`);
  if (r.achievedRate < MIN_SEND_SHARE * r.ratePerSecond) found.push(`the generator sent only ${Math.round(r.achievedRate)}/s`);
  if (r.backlogAtEnd > r.ratePerSecond) found.push(`${r.backlogAtEnd} unapplied when sending stopped (over 1 s of load)`);
  if (r.drainMs === null) found.push(`not all applied within ${DRAIN_LIMIT_MS / 1000} s (${r.unseen} not visible)`);
  return found;
}
