import { createTestDatabase } from '../../../test/support/test-postgres';
import { waitFor } from '../../../test/support/wait-for';
import { JobQueue } from './job-queue';
import { schedulePeriodic } from './periodic-jobs';
import { PostgresJobQueue } from './postgres.job-queue';

/** Two queues on one database stand for two processes of one deployment. */
describe('schedulePeriodic', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const queues: JobQueue[] = [];
  const open = async () => {
    const queue = await PostgresJobQueue.open({ connectionString: db.url, pollIntervalMs: 500, onDead: async () => { throw new Error('no dead jobs expected'); } });
    queues.push(queue);
    return queue;
  };

  beforeEach(async () => { db = await createTestDatabase(); });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await db.drop();
  });

  describe('on two processes at once', () => {
    it('runs each slot once, never two runs at the same time, and keeps going', async () => {
      let running = 0;
      let overlapped = false;
      const starts: number[] = [];
      const task = {
        name: 'tick', everyMs: 700,
        run: async () => {
          running += 1;
          if (running > 1) overlapped = true;
          starts.push(Date.now());
          await new Promise((r) => setTimeout(r, 100));
          running -= 1;
        },
      };
      const failures: unknown[] = [];
      await schedulePeriodic(await open(), task, (_, err) => failures.push(err));
      await schedulePeriodic(await open(), task, (_, err) => failures.push(err));
      await waitFor('four runs', async () => (starts.length >= 4 ? true : undefined), 20_000);
      expect(overlapped).toBe(false);
      expect(failures).toEqual([]);
      // one run per slot: no two starts in the same slot
      const slots = starts.map((t) => Math.floor(t / task.everyMs));
      expect(new Set(slots).size).toBe(slots.length);
    });
  });

  describe('a process starting after a slot ran', () => {
    it('does not run that slot again beside the next one', async () => {
      let running = 0;
      let overlapped = false;
      const starts: number[] = [];
      const task = {
        name: 'late-start', everyMs: 700,
        run: async () => {
          running += 1;
          if (running > 1) overlapped = true;
          starts.push(Date.now());
          await new Promise((r) => setTimeout(r, 100));
          running -= 1;
        },
      };
      await schedulePeriodic(await open(), task, () => undefined);
      await waitFor('the first run', async () => (starts.length >= 1 && running === 0 ? true : undefined), 20_000);
      await schedulePeriodic(await open(), task, () => undefined);
      await waitFor('three more runs', async () => (starts.length >= 4 ? true : undefined), 20_000);
      expect(overlapped).toBe(false);
      const slots = starts.map((t) => Math.floor(t / task.everyMs));
      expect(new Set(slots).size).toBe(slots.length);
    });
  });

  describe('a failing run', () => {
    it('is reported, and the next slot still runs', async () => {
      let runs = 0;
      const failures: string[] = [];
      await schedulePeriodic(await open(), {
        name: 'flaky', everyMs: 600,
        run: async () => {
          runs += 1;
          if (runs === 1) throw new Error('store unreachable');
        },
      }, (name, err) => failures.push(`${name}: ${(err as Error).message}`));
      await waitFor('three runs', async () => (runs >= 3 ? true : undefined), 20_000);
      expect(failures).toEqual(['flaky: store unreachable']);
    });
  });
});
