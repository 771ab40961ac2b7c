import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A request a fake has answered, for a caller that times deliveries (the notifications benchmark):
 * when its body was fully read, what it asked, and the status the fake answered. Called once the
 * answer is written; a request the fake never answers (a `hang` fault) is never reported.
 */
export interface ReceivedRequest {
  /** when the body had arrived, in epoch milliseconds on the performance clock (comparable across worker threads) */
  at: number;
  method: string;
  /** without the query */
  path: string;
  body: string;
  status: number;
}

export type OnReceive = (request: ReceivedRequest) => void;

/** The receipt time the fakes report: epoch milliseconds with sub-millisecond resolution, as the benchmarks' clock reads. */
export const receivedNow = (): number => performance.timeOrigin + performance.now();

/** Reports `req` to `onReceive` once its answer is written, with the time its body had arrived (now). */
export function reportWhenAnswered(req: IncomingMessage, res: ServerResponse, body: string, onReceive: OnReceive): void {
  const at = receivedNow();
  const path = new URL(req.url ?? '/', 'http://fake').pathname;
  res.once('finish', () => onReceive({ at, method: req.method ?? 'GET', path, body, status: res.statusCode }));
}
