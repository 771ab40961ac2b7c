import { Job, JobHandler, JobOutcome, JobQueueHooks } from './job-queue';

/**
 * The attempt limit each library is given. The worker, not the library, decides when a job is dead
 * (WorkerOptions.attempts is only known to the worker, while both libraries store retry limits on
 * the job when it is enqueued); a library that gave up on its own would fail a job without calling
 * onDead, so it is told to never give up.
 */
export const LIBRARY_ATTEMPTS = 1_000_000;

/** What an adapter tells its library after one attempt. */
export type AttemptVerdict =
  | { kind: 'done'; outcome: Extract<JobOutcome, { status: 'success' | 'skipped' }> }
  | { kind: 'retry'; reason: string }
  /** Run again after `delayMs`, this run not counted as an attempt. */
  | { kind: 'defer'; reason: string; delayMs: number }
  /** onDead has accepted the job: record it as finished, never to run again. */
  | { kind: 'dead'; reason: string };

export const UNFINISHED_ATTEMPT = 'the last attempt did not finish (its worker stopped or its lock expired)';

/**
 * Runs one attempt and decides what becomes of the job, the same way for every adapter.
 * `lastReason` is the failure reason the library recorded for the previous attempt, if any.
 */
export async function runAttempt<T>(
  job: Job<T>,
  handler: JobHandler<T>,
  attempts: number,
  lastReason: string | undefined,
  hooks: Required<JobQueueHooks>,
): Promise<AttemptVerdict> {
  const dead = async (reason: string): Promise<AttemptVerdict> => {
    try {
      await hooks.onDead({ ...job, reason });
      return { kind: 'dead', reason };
    } catch (error) {
      // Not lost: the library retries, and the next attempt (past the limit) comes straight back here.
      hooks.onError(new Error(`onDead failed for job ${job.id} of ${job.queue}: ${messageOf(error)}`));
      return { kind: 'retry', reason };
    }
  };

  // Attempts past the limit happen when earlier ones died without a verdict, or when onDead failed.
  if (job.attempt > attempts) return dead(lastReason ?? UNFINISHED_ATTEMPT);

  let outcome: JobOutcome;
  try {
    outcome = await handler(job);
  } catch (error) {
    outcome = { status: 'failed', reason: messageOf(error), retry: true };
  }
  if (outcome.status === 'deferred') return { kind: 'defer', reason: outcome.reason, delayMs: Math.max(0, outcome.delayMs) };
  if (outcome.status !== 'failed') return { kind: 'done', outcome };
  if (outcome.retry && job.attempt < attempts) return { kind: 'retry', reason: outcome.reason };
  return dead(outcome.reason);
}

/** Exponential backoff before attempt `failures + 1`; the exponent is capped (as pg-boss caps it) at 16. */
export const backoffDelayMs = (baseMs: number, failures: number): number => baseMs * 2 ** Math.min(16, Math.max(0, failures - 1));

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const defaultOnError = (error: Error): void => {
  console.error(`[job-queue] ${error.message}`);
};
