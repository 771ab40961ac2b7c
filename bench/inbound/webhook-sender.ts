import { join } from 'node:path';
import { ClockedWorker } from '../support/clocked-worker';

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

/** Sends webhooks over HTTP on a worker thread's clock; each run's times come back per webhook (status: the HTTP status, 0 for no answer). */
export type WebhookSender = ClockedWorker<SendRun>;

export const startWebhookSender = (options: SenderOptions): WebhookSender =>
  ClockedWorker.start<SendRun>(join(__dirname, 'webhook-sender.worker.js'), options);
