import { Worker } from 'node:worker_threads';
import type { SendTimes } from './open-loop';

/**
 * A load generator on a worker thread of its own (a script that answers each run with its
 * {@link SendTimes}): its clock then keeps time whatever the main thread's event loop is doing, so
 * a busy server or consumer shows as latency, not as a load that quietly slows down.
 */
export class ClockedWorker<Run> {
  private constructor(private readonly worker: Worker) {}

  static start<Run>(script: string, workerData: unknown): ClockedWorker<Run> {
    return new ClockedWorker<Run>(new Worker(script, { workerData }));
  }

  run(run: Run): Promise<SendTimes> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        this.worker.off('message', done);
        reject(err);
      };
      const done = (times: SendTimes) => {
        this.worker.off('error', fail);
        resolve(times);
      };
      this.worker.once('message', done);
      this.worker.once('error', fail);
      this.worker.postMessage(run);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
