import { randomUUID } from 'node:crypto';
import { Job as BullJob, DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { backoffDelayMs, defaultOnError, LIBRARY_ATTEMPTS, runAttempt } from './job-attempt';
import { Job, JobHandler, JobQueue, JobQueueHooks, NewJob, WorkerOptions } from './job-queue';

export interface BullMqJobQueueOptions extends JobQueueHooks {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  /** Namespace of every Redis key (BullMQ's `prefix`); a tenant placement with its own Redis prefix sets it. */
  prefix?: string;
}

/** Completed and failed jobs kept for inspection only: dead jobs are recorded by onDead, and dedup keys do not depend on them. */
const KEEP_COMPLETED = { count: 1000 };
const KEEP_FAILED = { count: 5000 };
/** A backoff type BullMQ does not know, so that it asks the worker's backoffStrategy (the worker knows backoffMs). */
const WORKER_BACKOFF = 'tributary.worker';

/**
 * The distributed job queue: BullMQ on Redis.
 *
 * - Dedup: BullMQ's `deduplication: { id: dedupKey }` (simple mode). Measured on BullMQ 6.7: the key
 *   holds while the job waits, is delayed (also between retries) or runs, and is released when it
 *   completes or fails, so completed jobs can be kept. The alternative, `jobId = dedupKey`, blocks
 *   the key until the job record is removed (removeOnComplete/removeOnFail: true), and `addBulk`
 *   returns the same job either way, so it cannot count what was added; here every job gets a fresh
 *   id and a job came back with an id other than ours when it was deduplicated.
 * - Attempts: BullMQ's `attemptsMade` (runs that failed) plus its `stalledCounter` (runs whose worker
 *   died and that the stalled check put back) plus the run in progress. A deferred run moves the job
 *   back to delayed without counting an attempt (`moveToDelayed` skips it), which is why
 *   `attemptsStarted`, which counts every start, is not the number. The job's own limit is
 *   LIBRARY_ATTEMPTS and `maxStalledCount` likewise, so that BullMQ never fails a job by itself: the
 *   worker decides, and every dead job reaches onDead.
 * - Backoff: exponential from WorkerOptions.backoffMs, in milliseconds, without jitter: BullMQ waits
 *   `backoffMs * 2^(attemptsMade - 1)` before the next attempt, as its built-in exponential would.
 */
export class BullMqJobQueue implements JobQueue {
  private readonly hooks: Required<JobQueueHooks>;
  private readonly prefix: string;
  /** Shared by the Queue objects (producers, counts); they fail a command when Redis is unreachable instead of waiting forever. */
  private readonly producer: Redis;
  /** Shared by the workers; BullMQ requires `maxRetriesPerRequest: null` there and duplicates it for each worker's blocking reads. */
  private consumer?: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Set<Worker>();
  private closed = false;

  /** Connects, and fails if Redis does not answer. */
  static async open(options: BullMqJobQueueOptions): Promise<BullMqJobQueue> {
    const queue = new BullMqJobQueue(options);
    try {
      await queue.producer.ping();
    } catch (error) {
      await queue.close();
      throw error;
    }
    return queue;
  }

  private constructor(private readonly options: BullMqJobQueueOptions) {
    this.hooks = { onDead: options.onDead, onError: options.onError ?? defaultOnError };
    this.prefix = options.prefix ?? 'tributary';
    this.producer = this.connect({ maxRetriesPerRequest: 2 });
  }

  async enqueue<T>(queue: string, jobs: NewJob<T>[]): Promise<number> {
    this.assertOpen();
    if (jobs.length === 0) return 0;
    const ids = jobs.map(() => randomUUID());
    const added = await this.queueFor(queue).addBulk(jobs.map((job, i) => ({
      name: queue,
      data: job.data,
      opts: {
        jobId: ids[i],
        ...(job.dedupKey !== undefined && { deduplication: { id: job.dedupKey } }),
        ...(job.delayMs && { delay: job.delayMs }),
        attempts: LIBRARY_ATTEMPTS,
        backoff: { type: WORKER_BACKOFF },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      },
    })));
    // A deduplicated job comes back as the job that holds the key, with that job's id.
    return added.filter((job, i) => job.id === ids[i]).length;
  }

  async work<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): Promise<{ stop(): Promise<void> }> {
    this.assertOpen();
    const runJob = async (bullJob: BullJob<T>, token?: string): Promise<void> => {
      const job: Job<T> = { id: bullJob.id!, queue, data: bullJob.data, attempt: bullJob.attemptsMade + bullJob.stalledCounter + 1 };
      const verdict = await runAttempt(job, handler, options.attempts, bullJob.failedReason || undefined, this.hooks);
      switch (verdict.kind) {
        case 'done':
          return;
        case 'retry':
          // Recorded as the job's failedReason, which is the dead reason if a later attempt dies without a verdict.
          throw new Error(verdict.reason);
        case 'defer':
          // Back to delayed, holding its dedup key, without counting an attempt.
          await bullJob.moveToDelayed(Date.now() + verdict.delayMs, token);
          throw new DelayedError();
        case 'dead':
          // Moves the job to failed with no further attempt; that releases its dedup key.
          throw new UnrecoverableError(verdict.reason);
      }
    };
    const worker = new Worker<T>(queue, runJob, {
      connection: this.consumerConnection(),
      prefix: this.prefix,
      concurrency: options.concurrency,
      maxStalledCount: LIBRARY_ATTEMPTS,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelayMs(options.backoffMs, attemptsMade) },
    });
    worker.on('error', (error) => this.hooks.onError(error));
    this.workers.add(worker);
    await worker.waitUntilReady();
    return {
      stop: async () => {
        // Takes no new job and waits for the running handlers.
        await worker.close();
        this.workers.delete(worker);
      },
    };
  }

  async depth(queue: string): Promise<number> {
    this.assertOpen();
    const counts = await this.queueFor(queue).getJobCounts('wait', 'prioritized', 'delayed', 'active');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.close()));
    this.workers.clear();
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
    // The shared connections are ours: BullMQ closes only the connections it created.
    const connections = [this.producer, this.consumer].filter((redis): redis is Redis => redis !== undefined);
    await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  private queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.prefix });
      queue.on('error', (error) => this.hooks.onError(error));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private consumerConnection(): Redis {
    this.consumer ??= this.connect({ maxRetriesPerRequest: null });
    return this.consumer;
  }

  private connect(options: { maxRetriesPerRequest: number | null }): Redis {
    const redis = new Redis(this.options.url, options);
    redis.on('error', (error) => this.hooks.onError(error));
    return redis;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the job queue is closed');
  }
}
