import { JobQueue } from './job-queue';

/** Work the platform does on a clock (retention, reconciliation): idempotent, with no payload. */
export interface PeriodicTask {
  /** the queue the task's runs go through, e.g. `retention` */
  name: string;
  /** about how often it runs */
  everyMs: number;
  /** one run; a throw is reported to `onFailure` and the next run still comes */
  run(): Promise<void>;
}

interface SlotJob {
  slot: number;
}

/**
 * Runs a task about every `everyMs` on ONE process of the deployment at a time, through the job
 * queue, so that it needs no leader election: every process that should be able to run it calls
 * this at start-up, and the queue's dedup key makes each time slot a single job.
 *
 * Time is cut into slots of `everyMs`; slot n's job has the dedup key `<name>:<n>` and waits until
 * slot n starts. A run adds the next slot's job when it ends, failed or not, so runs follow one
 * another (a run longer than a slot is followed at once by the next); a process that dies mid-run
 * leaves its job to the queue, which runs it again and so goes on with the chain. Start-up adds the
 * next slot's job, the chain's seed should it be broken: never the current slot's, which may have
 * run already (its key is free again once its job is done) and would run again beside the next.
 * So the first run comes at most `everyMs` after the first process starts. Only a run that outlasts
 * a whole slot while another process starts can meet the slot job that start added; the tasks are
 * idempotent (the ones above are).
 *
 * Failures never reach the queue's dead letters: a periodic run that failed is simply the next
 * slot's work, so it is reported through `onFailure` (log, metric) and counted as skipped.
 */
export async function schedulePeriodic(queue: JobQueue, task: PeriodicTask, onFailure: (task: string, err: unknown) => void): Promise<{ stop(): Promise<void> }> {
  if (!Number.isSafeInteger(task.everyMs) || task.everyMs < 1) throw new Error(`periodic task ${task.name}: everyMs must be a positive integer`);
  const slotJob = (slot: number) => ({ data: { slot }, dedupKey: `${task.name}:${slot}`, delayMs: Math.max(0, slot * task.everyMs - Date.now()) });
  const worker = await queue.work<SlotJob>(task.name, async (job) => {
    try {
      await task.run();
      return { status: 'success' };
    } catch (err) {
      onFailure(task.name, err);
      return { status: 'skipped', reason: `failed: ${(err as Error).message}` };
    } finally {
      // a queue closing under the run (shutdown) cannot take the next slot: start-up seeds it again
      // the slot after now, not after the job's own: a run that comes late (the deployment was down) is not followed by a catch-up burst
      const next = Math.max(job.data.slot, Math.floor(Date.now() / task.everyMs)) + 1;
      await queue.enqueue(task.name, [slotJob(next)]).catch((err) => onFailure(task.name, err));
    }
  }, { concurrency: 1, attempts: 1, backoffMs: 1000 });
  await queue.enqueue(task.name, [slotJob(Math.floor(Date.now() / task.everyMs) + 1)]);
  return worker;
}
