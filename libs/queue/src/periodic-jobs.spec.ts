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

  /** A task of 100 ms runs that records when each started and whether two ever ran at once. */
  const recordingTask = (name: string) => {
    let running = 0;
    const seen = { starts: [] as number[], overlapped: false, idle: () => running === 0 };
    const task = {
      name, everyMs: 700,
      run: async () => {
        running += 1;
        if (running > 1) seen.overlapped = true;
        seen.starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 100));
        running -= 1;
      },
    };
    /** one run per slot: no two starts in the same slot */
    const slotsOnce = () => new Set(seen.starts.map((t) => Math.floor(t / task.everyMs))).size === seen.starts.length;
    return { task, seen, slotsOnce };
  };

  describe('on two processes at once', () => {
    it('runs each slot once, never two runs at the same time, and keeps going', async () => {
      const { task, seen, slotsOnce } = recordingTask('tick');
      const failures: unknown[] = [];
      await schedulePeriodic(await open(), task, (_, err) => failures.push(err));
      await schedulePeriodic(await open(), task, (_, err) => failures.push(err));
      await waitFor('four runs', async () => (seen.starts.length >= 4 ? true : undefined), 20_000);
      expect(seen.overlapped).toBe(false);
      expect(failures).toEqual([]);
      expect(slotsOnce()).toBe(true);
    });
  });

  describe('a process starting after a slot ran', () => {
    it('does not run that slot again beside the next one', async () => {
      const { task, seen, slotsOnce } = recordingTask('late-start');
      await schedulePeriodic(await open(), task, () => undefined);
      await waitFor('the first run', async () => (seen.starts.length >= 1 && seen.idle() ? true : undefined), 20_000);
      await schedulePeriodic(await open(), task, () => undefined);
      await waitFor('three more runs', async () => (seen.starts.length >= 4 ? true : undefined), 20_000);
      expect(seen.overlapped).toBe(false);
      expect(slotsOnce()).toBe(true);
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
