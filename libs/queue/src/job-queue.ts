/**
 * The job-queue port: propagation fan-out, backfills and notifications run as jobs on it.
 * Adapters: `PostgresJobQueue` (pg-boss, the embedded default) and `BullMqJobQueue` (Redis).
 * Both pass `describeJobQueueContract`.
 *
 * Delivery is at least once: a job whose worker dies mid-run is run again, so handlers must be
 * idempotent. Expected outcomes are returned, not thrown (see `JobOutcome`).
 */

/**
 * What a handler reports. A thrown error counts as `{ status: 'failed', retry: true }`. `deferred`:
 * the job could not run for a reason outside it (its tenant's database is unreachable), so it runs
 * again after `delayMs` without that run counting as an attempt: a job waits out its tenant's outage
 * instead of dying of it.
 */
export type JobOutcome =
  | { status: 'success' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string; retry: boolean }
  | { status: 'deferred'; reason: string; delayMs: number };

export interface Job<T> {
  id: string;
  /** The queue's name as the caller wrote it, without the adapter's prefix. */
  queue: string;
  data: T;
  /** 1-based; an attempt whose worker died counts too, a deferred run does not. */
  attempt: number;
}

/** A job that will not be tried again; `reason` is the last failure's. */
export interface DeadJob<T> extends Job<T> {
  reason: string;
}

export interface NewJob<T> {
  /** Stored as JSON: what JSON cannot hold (dates, class instances) does not come back as it went in. */
  data: T;
  /** While a job with this key is waiting, delayed (also between retries) or running, another is not added. */
  dedupKey?: string;
  /** Not run before this many milliseconds from now. */
  delayMs?: number;
}

export interface WorkerOptions {
  /** Handlers of this worker running at once. */
  concurrency: number;
  /** Runs of a job, the first included, before it is dead. */
  attempts: number;
  /** Wait before attempt n+1 is about backoffMs * 2^(n-1); each adapter states its resolution. */
  backoffMs: number;
}

export type JobHandler<T> = (job: Job<T>) => Promise<JobOutcome>;

export interface JobQueue {
  /** Adds jobs; returns how many were added (a job whose dedupKey is taken is not; the first of a batch wins). No run order is promised. */
  enqueue<T>(queue: string, jobs: NewJob<T>[]): Promise<number>;
  /** Runs the handler for each job of the queue. After the last attempt, or on `retry: false`, the job goes to onDead. */
  work<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): Promise<{ stop(): Promise<void> }>;
  /** Waiting + delayed + running jobs of the queue (metrics, and tests that wait for a drain). */
  depth(queue: string): Promise<number>;
  /** Stops this instance's workers (letting running handlers finish) and closes its connections. */
  close(): Promise<void>;
}

/** What every adapter is built with besides its connection. */
export interface JobQueueHooks {
  /**
   * Called once per dead job, before the library records it as finished. If it throws, the job is
   * handed back to the library as a retryable failure with the same reason, so it is not lost.
   */
  onDead: (job: DeadJob<unknown>) => Promise<void>;
  /** Errors that belong to no caller (a lost connection, a failed acknowledgement). Default: console.error. */
  onError?: (error: Error) => void;
}
