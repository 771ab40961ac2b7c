import PgBoss from 'pg-boss';
import type { ClientConfig } from 'pg';
import { defaultOnError, LIBRARY_ATTEMPTS, runAttempt } from './job-attempt';
import { Job, JobHandler, JobQueue, JobQueueHooks, NewJob, WorkerOptions } from './job-queue';

export interface PostgresJobQueueOptions extends JobQueueHooks {
  connectionString: string;
  /** Schema of pg-boss's tables, created on open. */
  schema?: string;
  /** Prepended to queue names (`prefix:queue`); a tenant placement with its own namespace sets it. */
  prefix?: string;
  /** How often an idle worker looks for jobs that fell due (delays, retries) or were added by other processes; pg-boss's minimum is 500. */
  pollIntervalMs?: number;
  poolSize?: number;
  /** Time limits of pg-boss's connections (connect, statement, idle in transaction), as node-postgres takes them. */
  session?: Pick<ClientConfig, 'connectionTimeoutMillis' | 'statement_timeout' | 'idle_in_transaction_session_timeout'>;
}

type Row<T> = PgBoss.JobWithMetadata<T>;

const DEFAULT_SCHEMA = 'tributary_queue';
/** The longest pause of a worker loop whose fetches keep failing. */
const MAX_FAILURE_PAUSE_MS = 30_000;

/** Unique among the jobs that wait, wait for a retry, or run: what `dedupKey` promises (see ensureDedupIndex). */
const DEDUP_INDEX = 'tributary_job_dedup_key';

/**
 * The embedded job queue: pg-boss 10 (the last major that runs on Node 20) in its own schema.
 *
 * - Dedup: pg-boss's singletonKey. None of pg-boss 10's queue policies means "one job per key among
 *   waiting, retrying and running" ('short' covers only waiting jobs, 'stately' allows one per state,
 *   so one waiting beside one running), so open() adds that unique partial index to pg-boss's job
 *   table. pg-boss inserts with ON CONFLICT DO NOTHING, so a taken key is skipped; completed,
 *   cancelled and failed jobs fall outside the index, which releases the key.
 * - Attempts: pg-boss counts a fetch after the first as a retry (retry_count), so an attempt whose
 *   process died before it acknowledged counts too. Jobs get retryLimit LIBRARY_ATTEMPTS: the worker
 *   decides when a job is dead, and a dead job is cancelled in pg-boss after onDead took it. A
 *   deferred run is failed like a retry, with its count of deferrals in the output (which the next
 *   fetch reads back) and its start moved to the delay asked for; the attempt is retry_count + 1
 *   minus the deferrals.
 * - Backoff: pg-boss computes a retry's delay in SQL from whole seconds stored on the job, which it
 *   copies from the queue at insert; so work() stores WorkerOptions.backoffMs on the queue, rounded
 *   up to whole seconds (at least 1), and attempt n+1 waits between d*2^(n-1) and 2*d*2^(n-1) seconds
 *   (pg-boss adds up to 100% jitter). Jobs enqueued before any worker declared the queue use 1 s.
 * - Workers: each concurrency slot is a loop over pg-boss's fetch (FOR UPDATE SKIP LOCKED) and
 *   complete/fail/cancel, instead of pg-boss's work(): that one acknowledges without awaiting (an
 *   acknowledgement after close would be an unhandled rejection), cannot wait for a fetch in flight
 *   when stopped (a handler could start after stop() returned), and sleeps a polling interval after
 *   every job.
 */
export class PostgresJobQueue implements JobQueue {
  private readonly hooks: Required<JobQueueHooks>;
  private readonly pollIntervalMs: number;
  private readonly createdQueues = new Map<string, Promise<void>>();
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  /** Opens the pool and creates or migrates pg-boss's schema. */
  static async open(options: PostgresJobQueueOptions): Promise<PostgresJobQueue> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid queue schema name "${schema}"`);
    const boss = new PgBoss({
      ...options.session, // pg-boss hands its options to its node-postgres pool
      connectionString: options.connectionString,
      schema,
      max: options.poolSize ?? 10,
      application_name: 'tributary-queue',
      schedule: false, // no cron jobs: their timers would only keep the process alive
    });
    const onError = options.onError ?? defaultOnError;
    boss.on('error', onError);
    try {
      await boss.start();
      await ensureDedupIndex(boss, schema);
    } catch (error) {
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw error;
    }
    return new PostgresJobQueue(boss, options);
  }

  private readonly schema: string;

  private constructor(private readonly boss: PgBoss, private readonly options: PostgresJobQueueOptions) {
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    this.hooks = { onDead: options.onDead, onError: options.onError ?? defaultOnError };
    this.pollIntervalMs = Math.max(500, options.pollIntervalMs ?? 2000);
  }

  async enqueue<T>(queue: string, jobs: NewJob<T>[]): Promise<number> {
    this.assertOpen();
    if (jobs.length === 0) return 0;
    const name = this.nameOf(queue);
    await this.createQueue(name);
    // One INSERT keeps an arbitrary one of a batch's duplicates; the port promises the first.
    const keys = new Set<string>();
    const firsts = jobs.filter((job) => {
      if (job.dedupKey === undefined) return true;
      if (keys.has(job.dedupKey)) return false;
      keys.add(job.dedupKey);
      return true;
    });
    let added = 0;
    // insert() is one INSERT ... ON CONFLICT DO NOTHING without RETURNING: its row count, read
    // through a pass-through executor, is the number added.
    const db = this.boss.getDb();
    const counting: PgBoss.Db = {
      executeSql: async (text, values) => {
        const result = await db.executeSql(text, values);
        added = (result as { rowCount?: number | null }).rowCount ?? 0;
        return result;
      },
    };
    await this.boss.insert(firsts.map((job) => ({
      name,
      data: job.data as object,
      singletonKey: job.dedupKey,
      retryLimit: LIBRARY_ATTEMPTS,
      // An interval from the database's clock, not this process's.
      ...(job.delayMs && { startAfter: `${Math.ceil(job.delayMs)} milliseconds` }),
    })), { db: counting });
    // Workers of this process start at once; others find the jobs at their next poll.
    for (const consumer of this.consumers) if (consumer.name === name) consumer.wake();
    return added;
  }

  async work<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): Promise<{ stop(): Promise<void> }> {
    this.assertOpen();
    const name = this.nameOf(queue);
    await this.createQueue(name);
    await this.boss.updateQueue(name, {
      name,
      retryLimit: LIBRARY_ATTEMPTS,
      retryBackoff: true,
      retryDelay: Math.max(1, Math.ceil(options.backoffMs / 1000)),
    });
    const consumer = new Consumer(name, options.concurrency, this.pollIntervalMs, async () => {
      const [row] = await this.boss.fetch<T>(name, { batchSize: 1, includeMetadata: true });
      if (!row) return false;
      await this.runJob(queue, name, row, handler, options);
      return true;
    }, this.hooks.onError);
    this.consumers.add(consumer);
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  async depth(queue: string): Promise<number> {
    this.assertOpen();
    // States before 'completed': created (waiting or delayed), retry, active.
    return (await this.boss.getQueueSize(this.nameOf(queue), { before: 'completed' })) ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    this.consumers.clear();
    // No job is in a handler any more (the consumers have stopped), so nothing to wait for.
    await this.boss.stop({ graceful: false, close: true });
  }

  private async runJob<T>(queue: string, name: string, row: Row<T>, handler: JobHandler<T>, options: WorkerOptions): Promise<void> {
    const deferrals = deferralsOf(row.output);
    const job: Job<T> = { id: row.id, queue, data: row.data, attempt: row.retryCount + 1 - deferrals };
    const verdict = await runAttempt(job, handler, options.attempts, reasonOf(row.output), this.hooks);
    // If an acknowledgement fails, the job stays active until pg-boss's maintenance expires it
    // (expire_in, 15 min by default) and runs it again: at least once.
    switch (verdict.kind) {
      case 'done':
        await this.boss.complete(name, row.id, verdict.outcome);
        return;
      case 'retry':
        // `reason` is read back as the dead reason if a later attempt dies without a verdict.
        await this.boss.fail(name, row.id, { reason: verdict.reason, deferrals });
        return;
      case 'defer':
        await this.boss.fail(name, row.id, { reason: verdict.reason, deferrals: deferrals + 1 });
        // pg-boss set the start from its own backoff (which keeps growing with retry_count): the delay asked for instead
        await this.boss.getDb().executeSql(`UPDATE ${this.schema}.job SET start_after = now() + $3 * interval '1 millisecond'
          WHERE name = $1 AND id = $2 AND state = 'retry'`, [name, row.id, verdict.delayMs]);
        return;
      case 'dead':
        // fail() would schedule another retry (retryLimit is LIBRARY_ATTEMPTS); cancelled is final.
        await this.boss.cancel(name, row.id);
        return;
    }
  }

  private createQueue(name: string): Promise<void> {
    let created = this.createdQueues.get(name);
    if (!created) {
      // A no-op when the queue exists (pg-boss's create_queue inserts ON CONFLICT DO NOTHING).
      created = this.boss.createQueue(name, { name, policy: 'standard', retryLimit: LIBRARY_ATTEMPTS, retryBackoff: true, retryDelay: 1 });
      created.catch(() => this.createdQueues.delete(name));
      this.createdQueues.set(name, created);
    }
    return created;
  }

  private nameOf(queue: string): string {
    return this.options.prefix ? `${this.options.prefix}:${queue}` : queue;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the job queue is closed');
  }
}

/**
 * `concurrency` loops that each take one job at a time. An idle loop sleeps for the polling
 * interval or until woken (an enqueue in this process, or stop()); a loop whose fetch or
 * acknowledgement failed (reported to onError) sleeps twice as long after each failure in a row, up
 * to MAX_FAILURE_PAUSE_MS, and never stops before stop().
 */
class Consumer {
  private stopping = false;
  /** Set by wake(): a loop that found nothing must look again rather than sleep, as the job may have come in since. */
  private woken = false;
  private readonly sleepers = new Set<() => void>();
  private readonly loops: Promise<void>[];

  constructor(
    readonly name: string,
    concurrency: number,
    private readonly pollIntervalMs: number,
    private readonly takeOne: () => Promise<boolean>,
    private readonly onError: (error: Error) => void,
  ) {
    this.loops = Array.from({ length: concurrency }, () => this.loop());
  }

  wake(): void {
    this.woken = true;
    for (const wake of [...this.sleepers]) wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    // failures in a row of fetching or acknowledging (the database unreachable): each waits twice as long, up to MAX_FAILURE_PAUSE_MS
    let failures = 0;
    while (!this.stopping) {
      this.woken = false;
      let took = false;
      try {
        took = await this.takeOne();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.onError(error instanceof Error ? error : new Error(String(error)));
      }
      if (failures > 0 && !this.stopping) await this.sleep(Math.min(MAX_FAILURE_PAUSE_MS, this.pollIntervalMs * 2 ** Math.min(16, failures - 1)));
      else if (!took && !this.woken && !this.stopping) await this.sleep();
    }
  }

  private sleep(ms = this.pollIntervalMs): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}

/** Adds the dedup index once per database; the advisory lock keeps two processes from racing to create it. */
async function ensureDedupIndex(boss: PgBoss, schema: string): Promise<void> {
  await boss.getDb().executeSql(`
    DO $$
    BEGIN
      IF to_regclass('${schema}.${DEDUP_INDEX}') IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('${schema}.${DEDUP_INDEX}'));
        CREATE UNIQUE INDEX IF NOT EXISTS ${DEDUP_INDEX} ON ${schema}.job (name, singleton_key)
          WHERE state < 'completed' AND singleton_key IS NOT NULL;
      END IF;
    END
    $$`, []);
}

/** How many runs of the job were deferred (not attempts), as the last failure's output recorded. */
function deferralsOf(output: object | null | undefined): number {
  const deferrals = (output as { deferrals?: unknown } | null | undefined)?.deferrals;
  return typeof deferrals === 'number' && Number.isInteger(deferrals) && deferrals > 0 ? deferrals : 0;
}

function reasonOf(output: object | null | undefined): string | undefined {
  const reason = (output as { reason?: unknown } | null | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
}
