import { waitFor } from '../../../test/support/wait-for';
import { Metrics } from '@tributary/observability';
import { ConsumerWatch } from './consumer-watch';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(ConsumerWatch.name, () => {
  const STALL_MS = 1500;
  const state = (watch: ConsumerWatch) => watch.states()[0];

  it('takes a consumer idle for long that receives records for stalled only after the stall time without progress, and clears it on progress', async () => {
    const watch = new ConsumerWatch(STALL_MS);
    let lag = 0;
    const consumer = watch.watch('ingestor', 'inbound', { lag: async () => lag });
    try {
      await sleep(2 * STALL_MS); // idle: its last progress is old, and that is no stall
      expect(state(watch)).toMatchObject({ stalled: false });
      lag = 5;
      await waitFor('the records to be seen waiting', async () => (state(watch).lag === 5 ? true : undefined));
      expect(state(watch).stalled).toBe(false);
      await waitFor('the stall', async () => (state(watch).stalled ? true : undefined));
      expect(state(watch)).toMatchObject({ group: 'ingestor', stream: 'inbound', lag: 5 });
      expect(state(watch).progressAgeSeconds).toBeGreaterThanOrEqual(1);
      consumer.progress();
      expect(state(watch).stalled).toBe(false);
    } finally {
      consumer.stop();
    }
    expect(watch.states()).toEqual([]);
  });

  it('counts a lag that cannot be read as records waiting', async () => {
    const watch = new ConsumerWatch(STALL_MS);
    const consumer = watch.watch('ingestor', 'inbound', { lag: async () => { throw new Error('broker unreachable'); } });
    try {
      await waitFor('the stall', async () => (state(watch).stalled ? true : undefined));
      expect(state(watch).lag).toBeNull();
    } finally {
      consumer.stop();
    }
  });

  it('takes a loop without a lag (the relay) for stalled when it reports no round for the stall time', async () => {
    const watch = new ConsumerWatch(STALL_MS);
    const relay = watch.watch('relay', 'outbox');
    try {
      const rounds = setInterval(() => relay.progress(), STALL_MS / 6);
      await sleep(2 * STALL_MS);
      expect(state(watch).stalled).toBe(false);
      clearInterval(rounds);
      await waitFor('the stall', async () => (state(watch).stalled ? true : undefined));
    } finally {
      relay.stop();
    }
  });

  describe('events consumed, for the cost model', () => {
    it('counts the records each consumer reports handled, per group and stream, beside the process CPU seconds on /metrics', async () => {
      const metrics = new Metrics('ingestor');
      const watch = new ConsumerWatch(STALL_MS, metrics.eventsConsumed);
      const ingestor = watch.watch('ingestor', 'inbound', { lag: async () => 0 });
      const relay = watch.watch('relay', 'changes');
      try {
        ingestor.progress(3);
        ingestor.progress(5);
        relay.progress();
        const exposition = await metrics.registry.metrics();
        expect(exposition).toContain('tributary_events_consumed_total{group="ingestor",stream="inbound",app="ingestor"} 8');
        expect(exposition).not.toContain('group="relay"');
        expect(exposition).toMatch(/^process_cpu_seconds_total\{app="ingestor"\} [0-9.]+$/m);
      } finally {
        ingestor.stop();
        relay.stop();
      }
    });
  });
});
