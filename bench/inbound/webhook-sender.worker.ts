import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { sendOnClock } from '../support/open-loop';
import type { SenderOptions, SendRun } from './webhook-sender';

/** Monte Carlo's signature header (spelled out: importing the connectors library would load all of it into this thread). */
const SIGNATURE_HEADER = 'x-mcd-signature';

const { baseUrl, maxInFlight } = workerData as SenderOptions;
const { hostname, port } = new URL(baseUrl);
// Keep-alive, and as many sockets as requests may be in flight: no request waits for a connection.
const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });

parentPort!.on('message', (run: SendRun) => {
  const bodies = run.webhooks.map((w) => ({ body: Buffer.from(w.body), signature: w.signature }));
  void sendOnClock(bodies.length, run.ratePerSecond, maxInFlight, (i, answered) => post(run.path, bodies[i], answered))
    .then((times) => parentPort!.postMessage(times));
});

function post(path: string, webhook: { body: Buffer; signature: string }, answered: (status: number) => void): void {
  let settled = false;
  const settle = (status: number) => {
    if (settled) return;
    settled = true;
    answered(status);
  };
  const req = request({
    agent, hostname, port, path, method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': webhook.body.length, [SIGNATURE_HEADER]: webhook.signature },
  }, (res) => {
    res.resume();
    res.once('end', () => settle(res.statusCode ?? 0));
    res.once('error', () => settle(0));
  });
  req.once('error', () => settle(0));
  req.end(webhook.body);
}
