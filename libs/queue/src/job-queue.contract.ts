import { DeadJob, Job, JobHandler, JobOutcome, JobQueue, WorkerOptions } from './job-queue';

/** One backend (a Redis, a database) on which the contract opens as many clients as it needs. */
export interface JobQueueBackend {
  /** A new client; clients with the same prefix share queues. */
  open(options: {
    prefix: string;
    onDead: (job: DeadJob<unknown>) => Promise<void>;
    onError: (error: Error) => void;
  }): Promise<JobQueue>;
  dispose(): Promise<void>;
}

/** Waits are generous and only for waiting: no test asserts how long anything took. */
const DEADLINE_MS = 30_000;
/** Time given to a misbehaving worker to show itself before asserting that it did nothing (longer than any poll interval). */
const GRACE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** A gate handlers wait at until the test opens it. */
function newGate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}

type Data = { n: number };
const success: JobOutcome = { status: 'success' };

/**
 * The job queue's contract: what every adapter must do. Each adapter's spec calls this with a
 * factory for its backend; every test works on a queue name of its own.
 */
export function describeJobQueueContract(adapter: string, startBackend: () => Promise<JobQueueBackend>) {
  describe(`job queue on ${adapter}`, () => {
    let backend: JobQueueBackend;
    let clients: JobQueue[];
    let queue: JobQueue;
    let name: string;
    let dead: DeadJob<unknown>[];
    let errors: Error[];
    let runs: Job<Data>[];
    let gates: { open: () => void }[];
    let serial = 0;
    /** Opened after each test whatever happened in it, so that closing never waits for a handler held at a gate. */
    const gate = () => {
      const g = newGate();
      gates.push(g);
      return g;
    };
    const options = (overrides: Partial<WorkerOptions> = {}): WorkerOptions => ({ concurrency: 1, attempts: 3, backoffMs: 50, ...overrides });

    const open = async (prefix = 'main', onDead = async (job: DeadJob<unknown>) => { dead.push(job); }) => {
      const client = await backend.open({ prefix, onDead, onError: (error) => errors.push(error) });
      clients.push(client);
      return client;
    };
    /** A handler that records every run, then answers with `outcome(job)`. */
    const recording = (outcome: (job: Job<Data>) => JobOutcome | Promise<JobOutcome> = () => success): JobHandler<Data> =>
      async (job) => {
        runs.push(job);
        return outcome(job);
      };
    const drained = (client = queue) => eventually('the queue is drained', async () => (await client.depth(name)) === 0);
    const data = (job: Job<Data>) => job.data.n;

    beforeAll(async () => {
      backend = await startBackend();
    });
    afterAll(async () => {
      await backend?.dispose();
    });
    beforeEach(async () => {
      name = `contract.q${++serial}`;
      clients = [];
      dead = [];
      errors = [];
      runs = [];
      gates = [];
      queue = await open();
    });
    afterEach(async () => {
      gates.forEach((g) => g.open());
      await Promise.all(clients.map((client) => client.close()));
      expect(errors).toEqual([]); // no connection or acknowledgement went wrong behind a test's back
    });

    describe('delivery', () => {
      it('runs every enqueued job once, with its data, on its queue, at attempt 1', async () => {
        const n = Array.from({ length: 12 }, (_, i) => i);
        expect(await queue.enqueue<Data>(name, n.map((i) => ({ data: { n: i } })))).toBe(12);
        await queue.work(name, recording(), options({ concurrency: 3 }));
        await eventually('all jobs ran', () => runs.length >= 12);
        await drained();
        expect(runs.map(data).sort((a, b) => a - b)).toEqual(n);
        expect(new Set(runs.map((job) => job.id)).size).toBe(12);
        expect(runs.every((job) => job.queue === name && job.attempt === 1)).toBe(true);
        expect(dead).toEqual([]);
      });
    });

    describe('dedup', () => {
      it('adds a job once while another with its key is waiting', async () => {
        const added = [];
        for (let i = 0; i < 5; i++) added.push(await queue.enqueue<Data>(name, [{ data: { n: i }, dedupKey: 'k' }]));
        expect(added).toEqual([1, 0, 0, 0, 0]);
        expect(await queue.depth(name)).toBe(1);
        await queue.work(name, recording(), options());
        await drained();
        expect(runs.map(data)).toEqual([0]);
      });

      it('keeps the first of a batch, and never dedups jobs without a key', async () => {
        expect(await queue.enqueue<Data>(name, [
          { data: { n: 1 }, dedupKey: 'b' }, { data: { n: 2 }, dedupKey: 'b' }, { data: { n: 3 } }, { data: { n: 3 } },
        ])).toBe(3);
        await queue.work(name, recording(), options());
        await drained();
        expect(runs.map(data).sort()).toEqual([1, 3, 3]);
      });

      it('does not add a job while another with its key is running', async () => {
        const release = gate();
        await queue.work(name, recording(async () => { await release.wait; return success; }), options());
        expect(await queue.enqueue<Data>(name, [{ data: { n: 1 }, dedupKey: 'k' }])).toBe(1);
        await eventually('the first job runs', () => runs.length === 1);
        expect(await queue.enqueue<Data>(name, [{ data: { n: 2 }, dedupKey: 'k' }])).toBe(0);
        release.open();
        await drained();
        expect(runs.map(data)).toEqual([1]);
      });

      it('adds a job with the key again once the first has completed', async () => {
        await queue.work(name, recording(), options());
        expect(await queue.enqueue<Data>(name, [{ data: { n: 1 }, dedupKey: 'k' }])).toBe(1);
        await eventually('the first job ran', () => runs.length === 1);
        await drained();
        expect(await queue.enqueue<Data>(name, [{ data: { n: 2 }, dedupKey: 'k' }])).toBe(1);
        await eventually('the second job ran', () => runs.length === 2);
        expect(runs.map(data)).toEqual([1, 2]);
      });

      it('adds a job with the key again once the first is dead', async () => {
        await queue.work(name, recording(() => ({ status: 'failed', reason: 'no', retry: false })), options());
        expect(await queue.enqueue<Data>(name, [{ data: { n: 1 }, dedupKey: 'k' }])).toBe(1);
        await eventually('the first job is dead', () => dead.length === 1);
        await drained();
        expect(await queue.enqueue<Data>(name, [{ data: { n: 2 }, dedupKey: 'k' }])).toBe(1);
        await eventually('the second job is dead', () => dead.length === 2);
        expect(runs.map(data)).toEqual([1, 2]);
      });
    });

    describe('retries', () => {
      it('retries a handler that throws until it succeeds, numbering attempts from 1', async () => {
        await queue.work(name, recording((job) => {
          if (job.attempt < 3) throw new Error(`boom ${job.attempt}`);
          return success;
        }), options({ attempts: 5 }));
        await queue.enqueue<Data>(name, [{ data: { n: 7 } }]);
        await eventually('the third attempt ran', () => runs.length === 3);
        await drained();
        expect(runs.map((job) => job.attempt)).toEqual([1, 2, 3]);
        expect(new Set(runs.map((job) => job.id)).size).toBe(1);
        expect(dead).toEqual([]);
      });

      it('counts a thrown error as a retryable failure whose reason is its message', async () => {
        await queue.work(name, recording(() => { throw new Error('kaput'); }), options({ attempts: 2 }));
        await queue.enqueue<Data>(name, [{ data: { n: 7 } }]);
        await eventually('the job is dead', () => dead.length === 1);
        expect(runs.map((job) => job.attempt)).toEqual([1, 2]);
        expect(dead[0]).toMatchObject({ reason: 'kaput', attempt: 2 });
      });

      it('sends a failure with retry: false to onDead after exactly one attempt', async () => {
        await queue.work(name, recording(() => ({ status: 'failed', reason: 'bad payload', retry: false })), options({ attempts: 5 }));
        await queue.enqueue<Data>(name, [{ data: { n: 7 } }]);
        await eventually('the job is dead', () => dead.length === 1);
        await drained();
        expect(runs.map((job) => job.attempt)).toEqual([1]);
        expect(dead).toEqual([{ id: runs[0].id, queue: name, data: { n: 7 }, attempt: 1, reason: 'bad payload' }]);
      });

      it('sends a job that exhausts its attempts to onDead once, with the last reason', async () => {
        await queue.work(name, recording((job) => ({ status: 'failed', reason: `try ${job.attempt}`, retry: true })), options({ attempts: 3 }));
        await queue.enqueue<Data>(name, [{ data: { n: 7 } }]);
        await eventually('the job is dead', () => dead.length === 1);
        await drained();
        expect(runs.map((job) => job.attempt)).toEqual([1, 2, 3]);
        expect(dead).toEqual([{ id: runs[0].id, queue: name, data: { n: 7 }, attempt: 3, reason: 'try 3' }]);
      });

      it('completes a skipped job without retrying it', async () => {
        await queue.work(name, recording(() => ({ status: 'skipped', reason: 'nothing to do' })), options({ attempts: 3 }));
        await queue.enqueue<Data>(name, [{ data: { n: 7 } }]);
        await eventually('the job ran', () => runs.length === 1);
        await drained();
        expect(runs.map((job) => job.attempt)).toEqual([1]);
        expect(dead).toEqual([]);
      });

      it('calls onDead again when it throws, without running the handler again', async () => {
        const handedOver: DeadJob<unknown>[] = [];
        const client = await open('main', async (job) => {
          handedOver.push(job);
          if (handedOver.length === 1) throw new Error('dead-letter table unavailable');
        });
        await client.work(name, recording((job) => ({ status: 'failed', reason: `try ${job.attempt}`, retry: true })), options({ attempts: 2 }));
        await client.enqueue<Data>(name, [{ data: { n: 7 } }]);
        await eventually('onDead accepted the job', () => handedOver.length === 2);
        await drained(client);
        expect(runs.map((job) => job.attempt)).toEqual([1, 2]);
        expect(handedOver.map((job) => job.reason)).toEqual(['try 2', 'try 2']);
        expect(errors.splice(0).map((error) => error.message)).toEqual([expect.stringContaining('dead-letter table unavailable')]);
      });
    });

    describe('deferrals', () => {
      it('runs a deferred job again after its delay without counting an attempt, so it is never dead of deferrals', async () => {
        await queue.work(name, recording(() => (runs.length <= 3 ? { status: 'deferred', reason: 'tenant database unreachable', delayMs: 100 } : success)),
          options({ attempts: 1 }));
        await queue.enqueue<Data>(name, [{ data: { n: 7 }, dedupKey: 'deferred' }]);
        await eventually('the job succeeded', () => runs.length === 4);
        await drained();
        expect(runs.map((job) => job.attempt)).toEqual([1, 1, 1, 1]);
        expect(dead).toEqual([]);
      });

      it('keeps the dedup key of a deferred job, and counts the attempts around its deferrals', async () => {
        let outcomes: JobOutcome[] = [{ status: 'failed', reason: 'first try', retry: true }, { status: 'deferred', reason: 'away', delayMs: 300 },
          { status: 'failed', reason: 'second try', retry: true }];
        await queue.work(name, recording(() => outcomes.shift() ?? success), options({ attempts: 3 }));
        await queue.enqueue<Data>(name, [{ data: { n: 1 }, dedupKey: 'kept' }]);
        await eventually('the job was deferred', () => runs.length === 2);
        expect(await queue.enqueue<Data>(name, [{ data: { n: 2 }, dedupKey: 'kept' }])).toBe(0);
        await eventually('the job succeeded', () => runs.length === 4);
        await drained();
        expect(runs.map((job) => job.attempt)).toEqual([1, 2, 2, 3]);
        expect(dead).toEqual([]);
        outcomes = [];
      });
    });

    describe('delays', () => {
      it('does not run a delayed job before its delay: a later job overtakes it', async () => {
        await queue.enqueue<Data>(name, [{ data: { n: 1 }, delayMs: 1_500 }]);
        await queue.enqueue<Data>(name, [{ data: { n: 2 } }]);
        await queue.work(name, recording(), options());
        await eventually('both jobs ran', () => runs.length === 2);
        expect(runs.map(data)).toEqual([2, 1]);
        expect(runs.map((job) => job.attempt)).toEqual([1, 1]);
      });
    });

    describe('concurrency', () => {
      it('runs `concurrency` handlers at once, and no more', async () => {
        const release = gate();
        let running = 0;
        let most = 0;
        await queue.enqueue<Data>(name, Array.from({ length: 6 }, (_, i) => ({ data: { n: i } })));
        await queue.work(name, recording(async () => {
          most = Math.max(most, ++running);
          await release.wait;
          running--;
          return success;
        }), options({ concurrency: 3 }));
        await eventually('three handlers run at once', () => running >= 3);
        await sleep(GRACE_MS);
        expect(running).toBe(3);
        release.open();
        await drained();
        expect(runs).toHaveLength(6);
        expect(most).toBe(3);
      });
    });

    describe('depth', () => {
      it('counts waiting, delayed and running jobs, and drops to 0 when the queue is drained', async () => {
        const release = gate();
        await queue.enqueue<Data>(name, [{ data: { n: 1 } }, { data: { n: 2 } }, { data: { n: 3 }, delayMs: 1_000 }]);
        expect(await queue.depth(name)).toBe(3);
        await queue.work(name, recording(async () => { await release.wait; return success; }), options());
        await eventually('a job runs', () => runs.length === 1);
        expect(await queue.depth(name)).toBe(3);
        release.open();
        await drained();
        // The port promises no order within a batch (pg-boss orders jobs added together by random id).
        expect(runs.map(data).sort()).toEqual([1, 2, 3]);
      });

      it('is 0 for a queue never used', async () => {
        expect(await queue.depth('contract.never-used')).toBe(0);
      });
    });

    describe('stop', () => {
      it('lets the running handler finish, then takes no new job', async () => {
        const release = gate();
        const events: string[] = [];
        const worker = await queue.work(name, recording(async () => {
          await release.wait;
          events.push('handler finished');
          return success;
        }), options());
        await queue.enqueue<Data>(name, [{ data: { n: 1 } }]);
        await eventually('the job runs', () => runs.length === 1);
        const stopped = worker.stop().then(() => events.push('stopped'));
        release.open();
        await stopped;
        expect(events).toEqual(['handler finished', 'stopped']);
        expect(await queue.depth(name)).toBe(0);

        await queue.enqueue<Data>(name, [{ data: { n: 2 } }]);
        await sleep(GRACE_MS);
        expect(runs.map(data)).toEqual([1]);
        const later: Job<Data>[] = [];
        await queue.work<Data>(name, async (job) => { later.push(job); return success; }, options());
        await eventually('another worker took the job', () => later.length === 1);
        expect(runs.map(data)).toEqual([1]);
      });
    });

    describe('close', () => {
      it('stops the client\'s workers and refuses further calls', async () => {
        const other = await open();
        await other.work(name, recording(), options());
        await other.close();
        await other.close();
        await expect(other.enqueue<Data>(name, [{ data: { n: 0 } }])).rejects.toThrow(/closed/);

        await queue.enqueue<Data>(name, [{ data: { n: 1 } }]);
        await sleep(GRACE_MS);
        expect(runs).toEqual([]);
        await queue.work(name, recording(), options());
        await eventually('a live worker took the job', () => runs.length === 1);
      });
    });

    describe('prefix', () => {
      it('keeps the queues of different prefixes apart', async () => {
        const tenantA = await open('tenant-a');
        const tenantB = await open('tenant-b');
        await tenantA.enqueue<Data>(name, [{ data: { n: 1 } }]);
        expect([await tenantA.depth(name), await tenantB.depth(name), await queue.depth(name)]).toEqual([1, 0, 0]);
        const fromB: Job<Data>[] = [];
        await tenantB.work<Data>(name, async (job) => { fromB.push(job); return success; }, options());
        await sleep(GRACE_MS);
        expect(fromB).toEqual([]);
        await tenantA.work(name, recording(), options());
        await eventually('tenant A ran its job', () => runs.length === 1);
        expect(runs[0].queue).toBe(name);
      });
    });
  });
}
