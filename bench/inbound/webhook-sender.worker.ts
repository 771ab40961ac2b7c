import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { epochMs } from '../support/clock';
import type { SenderOptions, SendRun, SendTimes } from './webhook-sender';

/** Headroom between receiving a run and its first webhook, so that the first ones are not late. */
const START_DELAY_MS = 20;
/** Monte Carlo's signature header (spelled out: importing the connectors library would load all of it into this thread). */
const SIGNATURE_HEADER = 'x-mcd-signature';

const { baseUrl, maxInFlight } = workerData as SenderOptions;
const { hostname, port } = new URL(baseUrl);
// Keep-alive, and as many sockets as requests may be in flight: no request waits for a connection.
const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });

parentPort!.on('message', (run: SendRun) => {
  void sendOnClock(run).then((times) => parentPort!.postMessage(times));
});

/**
 * Sends webhook i at start + i/rate (open loop: the schedule does not wait for answers), with at
 * most `maxInFlight` requests outstanding. A webhook held back by that bound goes as soon as a slot
 * frees; its scheduled time stays what it was, so the wait counts in its latency.
 */
function sendOnClock(run: SendRun): Promise<SendTimes> {
  const bodies = run.webhooks.map((w) => ({ body: Buffer.from(w.body), signature: w.signature }));
  const n = bodies.length;
  const times: SendTimes = {
    scheduledAt: new Float64Array(n), sentAt: new Float64Array(n), answeredAt: new Float64Array(n), status: new Uint16Array(n),
  };
  const interval = 1000 / run.ratePerSecond;
  const start = epochMs() + START_DELAY_MS;
  let next = 0;
  let inFlight = 0;
  let answered = 0;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    const pump = () => {
      timer = undefined;
      while (next < n && inFlight < maxInFlight && start + next * interval <= epochMs()) send(next++);
      if (next < n && inFlight < maxInFlight) timer = setTimeout(pump, start + next * interval - epochMs());
    };
    const send = (i: number) => {
      inFlight += 1;
      times.scheduledAt[i] = start + i * interval;
      times.sentAt[i] = epochMs();
      post(run.path, bodies[i], (status) => {
        times.answeredAt[i] = epochMs();
        times.status[i] = status;
        inFlight -= 1;
        answered += 1;
        if (answered === n) resolve(times);
        else if (timer === undefined) pump();
      });
    };
    pump();
  });
}

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
