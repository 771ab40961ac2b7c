import { Gauge } from 'prom-client';
import { cachedFor, Metrics } from '@tributary/observability';
import { HeldRecordsRepository } from '@tributary/store';
import { ConsumerWatch } from './consumer-watch';
import { Runtime } from './runtime';

/** Consumer groups and queues worth watching: lag and depth are read when Prometheus scrapes. */
const CONSUMERS = [
  { group: 'ingestor', stream: 'inbound' }, { group: 'propagator', stream: 'changes' }, { group: 'notifier', stream: 'changes' }, { group: 'writeback', stream: 'changes' },
] as const;
const QUEUES = ['propagation.plan', 'propagation.fanout', 'propagation.apply', 'backfill', 'notifications.deliver', 'notifications.digest', 'atlas.writeback'];

/** How long one lag reading serves scrapes (on Kafka it is a few admin calls per group and topic). */
const LAG_TTL_MS = 1000;

export function registerRuntimeGauges(metrics: Metrics, runtime: Runtime, consumers: ConsumerWatch): void {
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
  // the consumers of this process (none in the api): see ConsumerWatch
  new Gauge({
    name: 'tributary_consumer_stalled', help: 'Whether a consumer of this process is stalled: records wait for it and it made no progress for TRIBUTARY_STALL_SECONDS',
    labelNames: ['group', 'stream'], registers: [metrics.registry],
    collect() {
      this.reset();
      for (const c of consumers.states()) this.set({ group: c.group, stream: c.stream }, c.stalled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tributary_consumer_progress_age_seconds', help: 'Seconds since a consumer of this process last handled a batch (the relay: went round its loop)',
    labelNames: ['group', 'stream'], registers: [metrics.registry],
    collect() {
      this.reset();
      for (const c of consumers.states()) this.set({ group: c.group, stream: c.stream }, c.progressAgeSeconds);
    },
  });
  const held = new HeldRecordsRepository(runtime.database);
  const heldNow = cachedFor(LAG_TTL_MS, () => held.summary());
  new Gauge({
    name: 'tributary_held_records', help: 'Records held back for a tenant whose handling failed (its database unreachable), retried on the tenant\'s backoff',
    labelNames: ['group', 'stream', 'tenant'], registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const h of await heldNow()) this.set({ group: h.group, stream: h.stream, tenant: h.tenantId }, h.records);
    },
  });
}
