import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface SenderOptions {
  baseUrl: string;
  /** Requests in flight at most; a webhook due while the bound is reached waits, and is sent late. */
  maxInFlight: number;
}

/** One open-loop run: the webhooks, in order, one every 1/rate seconds. */
export interface SendRun {
  path: string;
  ratePerSecond: number;
  webhooks: { body: string; signature: string }[];
}

/** Per webhook, in run order: epoch milliseconds (see `epochMs`), and the HTTP status (0: no answer). */
export interface SendTimes {
  scheduledAt: Float64Array;
  sentAt: Float64Array;
  answeredAt: Float64Array;
  status: Uint16Array;
}

/**
 * The load generator, on a worker thread of its own: its clock then keeps time whatever the server
 * (on the main thread's event loop) is doing, so a busy server shows as latency, not as a load that
 * quietly slows down.
 */
export class WebhookSender {
  private constructor(private readonly worker: Worker) {}

  static start(options: SenderOptions): WebhookSender {
    return new WebhookSender(new Worker(join(__dirname, 'webhook-sender.worker.js'), { workerData: options }));
  }

  run(run: SendRun): Promise<SendTimes> {
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
