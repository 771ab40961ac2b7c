import { Runtime } from '@tributary/platform';
import { APPLY_QUEUE, CHANGES_STREAM, FANOUT_QUEUE } from '@tributary/propagation';
import { Database, DEFAULT_TENANT, RelayOffsetsRepository, ServerRepository } from '@tributary/store';
import { WRITEBACK_QUEUE } from '@tributary/writeback';

/** The propagator's consumer group on the change log (PropagatorModule). */
const CONSUMER_GROUP = 'propagator';
/** The write-back's consumer group on the change log (PropagatorModule). */
const WRITEBACK_GROUP = 'writeback';

/** What the propagator still has to do, stage by stage. */
export interface Backlog {
  /** Change events in the outbox that the relay has not copied into the change log yet. */
  unrelayed: number;
  /** Change-log records the propagator's consumer group has not planned yet. */
  unplanned: number;
  fanoutJobs: number;
  applyJobs: number;
  /** With `writeBack`: change-log records the write-back's consumer group has not planned yet, and its jobs. */
  writeBack?: { unplanned: number; jobs: number };
}

export interface SettleOptions {
  /** also wait for the bridge's write-back (a bench that measures it must not start behind a backlog of its own set-up) */
  writeBack?: boolean;
}

const total = (b: Backlog): number => b.unrelayed + b.unplanned + b.fanoutJobs + b.applyJobs + (b.writeBack ? b.writeBack.unplanned + b.writeBack.jobs : 0);

export const describeBacklog = (b: Backlog): string =>
  `${b.unrelayed} unrelayed, ${b.unplanned} unplanned change events, ${b.fanoutJobs} fan-out and ${b.applyJobs} apply jobs`
  + (b.writeBack ? `, ${b.writeBack.unplanned} change events not planned for write-back and ${b.writeBack.jobs} write-back jobs` : '');

/** The bench's tenant is the only one, so its outbox is the whole outbox. */
async function readBacklog(runtime: Runtime, options: SettleOptions): Promise<Backlog> {
  return {
    unrelayed: await new RelayOffsetsRepository(runtime.database).backlog(DEFAULT_TENANT),
    unplanned: await runtime.eventLog.lag(CONSUMER_GROUP, CHANGES_STREAM),
    fanoutJobs: await runtime.jobQueue.depth(FANOUT_QUEUE),
    applyJobs: await runtime.jobQueue.depth(APPLY_QUEUE),
    ...(options.writeBack ? { writeBack: {
      unplanned: await runtime.eventLog.lag(WRITEBACK_GROUP, CHANGES_STREAM), jobs: await runtime.jobQueue.depth(WRITEBACK_QUEUE) } } : {}),
  };
}

/** Readings of an empty backlog in a row that count as settled: a job can enqueue the next between two readings. */
const QUIET_READINGS = 3;
/**
 * Pause between readings. The change log's lag is a count over the log that takes 100-200 ms once
 * it holds a few hundred thousand records; read more often, it would slow the consumer it watches.
 */
const READING_PAUSE_MS = 1000;

/** How often waiting reports the backlog. */
const REPORT_EVERY_MS = 10_000;

/**
 * Waits until propagation has settled (the test suite's `settled()`, for a bench that has no test
 * app): the outbox relayed, the change log planned, both job queues empty, QUIET_READINGS times in
 * a row. Reports the backlog every REPORT_EVERY_MS while it waits.
 */
export async function waitUntilSettled(runtime: Runtime, limitMs: number, report: (backlog: Backlog) => void, options: SettleOptions = {}): Promise<void> {
  const started = Date.now();
  let reported = started;
  for (let quiet = 0; quiet < QUIET_READINGS;) {
    const backlog = await readBacklog(runtime, options);
    quiet = total(backlog) === 0 ? quiet + 1 : 0;
    if (Date.now() - started > limitMs) throw new Error(`propagation has not settled within ${limitMs / 1000} s: ${describeBacklog(backlog)}`);
    if (Date.now() - reported >= REPORT_EVERY_MS) {
      report(backlog);
      reported = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, READING_PAUSE_MS));
  }
}


/**
 * When (epoch ms) the propagator's consumer last committed an offset on the change log. Once
 * settled, that is when it had planned every change event: its lag went back to 0 then.
 */
export async function lastConsumedAt(database: Database): Promise<number> {
  const committedAt = await new ServerRepository(database).consumerCommittedAt(CONSUMER_GROUP, CHANGES_STREAM);
  if (!committedAt) throw new Error('the propagator has not consumed the change log yet');
  return committedAt.getTime();
}
