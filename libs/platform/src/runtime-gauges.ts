import { Gauge } from 'prom-client';
import { cachedFor, Metrics } from '@tributary/observability';
import { Runtime } from './runtime';

/** Consumer groups and queues worth watching: lag and depth are read when Prometheus scrapes. */
const CONSUMERS = [{ group: 'ingestor', stream: 'inbound' }, { group: 'propagator', stream: 'changes' }] as const;
const QUEUES = ['propagation.plan', 'propagation.fanout', 'propagation.apply', 'backfill'];

/** How long one lag reading serves scrapes (on Kafka it is a few admin calls per group and topic). */
const LAG_TTL_MS = 1000;

export function registerRuntimeGauges(metrics: Metrics, runtime: Runtime): void {
  const lags = cachedFor(LAG_TTL_MS, () => Promise.all(CONSUMERS.map(async (c) => ({ c, lag: await runtime.eventLog.lag(c.group, c.stream) }))));
  new Gauge({
    name: 'tributary_consumer_lag_records', help: 'Records appended to a stream and not yet consumed by the group',
    labelNames: ['group', 'stream'], registers: [metrics.registry],
    async collect() {
      for (const { c, lag } of await lags()) this.set(c, lag);
    },
  });
  new Gauge({
    name: 'tributary_queue_depth_jobs', help: 'Jobs waiting, delayed or running, per queue',
    labelNames: ['queue'], registers: [metrics.registry],
    async collect() {
      for (const queue of QUEUES) this.set({ queue }, await runtime.jobQueue.depth(queue));
    },
  });
}
