import { benchResults, completeResults } from '../../../test/support/bench-results.factory';
import { CostRequest, Profile, Workload } from './cost-flags';
import { ComponentPlan, planDeployment } from './deployment-model';
import { MeasurementIndex } from './measurement-index';
import { parsePriceTable } from './price-table';
import { renderPlan } from './cost-report';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const PRICES = parsePriceTable(JSON.stringify({ cloud: 'acme', region: 'north-1', currency: 'USD', pricedOn: '2026-01-01', prices: {
  vcpuHour: { usd: 0.04, source: 'https://example.com/p' }, memoryGibHour: { usd: 0.005, source: 'https://example.com/p' },
  blockStorageGibMonth: { usd: 0.1, source: 'https://example.com/p' } } }), 'test');
const WORKLOAD: Workload = { eventsPerSecond: 1000, tenants: 10, dedicatedTenants: 0, assets: 1000, lineageEdges: 3000, retentionDays: 7 };

const request = (overrides: { workload?: Partial<Workload>; profile?: Profile; headroom?: number } = {}): CostRequest =>
  ({ workload: { ...WORKLOAD, ...overrides.workload }, profile: overrides.profile ?? 'distributed', headroom: overrides.headroom ?? 0.5, format: 'text' });
const plan = (r: CostRequest, results = completeResults()) => planDeployment(r, new MeasurementIndex(results), PRICES);
const component = (p: ReturnType<typeof plan>, name: string): ComponentPlan => p.components.find((c) => c.name.startsWith(name))!;

describe(planDeployment.name, () => {
  describe('scaling with events per second', () => {
    it('needs cores in proportion to the rate: the CPU seconds per event measured, times events per second', () => {
      for (const rate of [100, 1000, 4000]) {
        const p = plan(request({ workload: { eventsPerSecond: rate } }));
        expect(component(p, 'api').coresAtPeak!.value).toBeCloseTo(rate * 0.0005);
        expect(component(p, 'ingestor').coresAtPeak!.value).toBeCloseTo(rate * 0.001);
        expect(component(p, 'PostgreSQL').coresAtPeak!.value).toBeCloseTo(rate * 0.0008);
      }
    });

    it('adds replicas of one core each once the two for availability are not enough', () => {
      expect(component(plan(request()), 'ingestor').replicas!.value).toBe(2); // 1.0 core × 1.5
      expect(component(plan(request({ workload: { eventsPerSecond: 4000 } })), 'ingestor').replicas!.value).toBe(6); // 4.0 × 1.5
      expect(component(plan(request({ workload: { eventsPerSecond: 4000 } })), 'ingestor').cores.value).toBe(6);
    });

    it('counts the indexer\'s work per change event, times the change events an inbound event makes', () => {
      // 2,000 change events over 1,000 inbound events in the inbound run: two changes an event
      expect(component(plan(request({ workload: { eventsPerSecond: 10_000 } })), 'indexer').coresAtPeak!.value).toBeCloseTo(10_000 * 2 * 0.0001);
    });
  });

  describe('headroom', () => {
    it('provisions cores and memory at 1 + headroom times what the peak needs', () => {
      const rate = { eventsPerSecond: 4000 };
      expect(component(plan(request({ workload: rate, headroom: 0 })), 'ingestor').replicas!.value).toBe(4);
      expect(component(plan(request({ workload: rate, headroom: 1 })), 'ingestor').replicas!.value).toBe(8);
      expect(component(plan(request({ headroom: 0 })), 'api').memoryGib.value).toBeCloseTo((2 * 200 * MIB) / GIB);
      expect(component(plan(request({ headroom: 1 })), 'api').memoryGib.value).toBeCloseTo((2 * 2 * 200 * MIB) / GIB);
    });

    it('states the headroom among the assumptions of the figures it changes', () => {
      expect(component(plan(request({ headroom: 0.25 })), 'api').replicas!.assumptions.join(' ')).toContain('25 % headroom at peak');
    });
  });

  describe('retention', () => {
    it('stores every day\'s events: storage grows by the events of the extra days times the bytes an event leaves', () => {
      const week = component(plan(request()), 'PostgreSQL').storageGib!.value!;
      const fortnight = component(plan(request({ workload: { retentionDays: 14 } })), 'PostgreSQL').storageGib!.value!;
      // 1,000 events/s for 7 more days, 4,000 bytes each in PostgreSQL, on a primary and a standby, 30 % free space
      expect(fortnight - week).toBeCloseTo((1000 * 86_400 * 7 * 4000 * 2 * 1.3) / GIB, 3);
    });

    it('keeps Kafka\'s topics for their own retention, not the catalog\'s', () => {
      const kafka = (days: number) => component(plan(request({ workload: { retentionDays: days } })), 'Kafka').storageGib!.value;
      expect(kafka(7)).toBe(kafka(90));
      // 168 h of topics: an inbound record and 2 change records an event, 1,000 bytes each, × replication 3, 30 % free
      expect(kafka(7)).toBeCloseTo((1000 * 168 * 3600 * (1 + 2) * 1000 * 3 * 1.3) / GIB, 3);
    });

    it('counts assets and edges in PostgreSQL and, with the closure pairs of each edge, in ClickHouse', () => {
      const none = plan(request({ workload: { assets: 0, lineageEdges: 0 } }));
      const some = plan(request({ workload: { assets: 1000, lineageEdges: 3000 } }));
      const diff = (name: string) => component(some, name).storageGib!.value! - component(none, name).storageGib!.value!;
      expect(diff('PostgreSQL')).toBeCloseTo(((1000 * 1000 + 3000 * 200) * 2 * 1.3) / GIB, 9);
      expect(diff('ClickHouse')).toBeCloseTo(((1000 * 50 + 3000 * (20 + 10 * (8 + 8))) * 2 * 1.3) / GIB, 9);
    });
  });

  describe('prices', () => {
    it('prices cores, memory and storage by the hour or month of the table', () => {
      const api = component(plan(request()), 'api');
      expect(api.monthlyUsd.value).toBeCloseTo(api.cores.value! * 0.04 * 730 + api.memoryGib.value! * 0.005 * 730);
      const postgres = component(plan(request()), 'PostgreSQL');
      expect(postgres.monthlyUsd.value).toBeCloseTo(postgres.cores.value! * 0.04 * 730 + postgres.memoryGib.value! * 0.005 * 730 + postgres.storageGib!.value! * 0.1);
    });

    it('totals the components', () => {
      const p = plan(request());
      const priced = p.components.flatMap((c) => (c.monthlyUsd.value === undefined ? [] : [c.monthlyUsd.value]));
      expect(p.total.monthlyUsd.value).toBeCloseTo(priced.reduce((a, b) => a + b, 0));
    });
  });

  describe('where the figures come from', () => {
    it('cites the suite, key and date of every measurement a figure was computed from', () => {
      expect(component(plan(request()), 'api').coresAtPeak!.from).toEqual([
        { suite: 'distributed', key: 'processes.distributed.steady.api', measuredAt: '2026-01-02T03:04:05.000Z' }]);
      expect(component(plan(request()), 'PostgreSQL').storageGib!.from.map((c) => `${c.suite}:${c.key}`)).toEqual([
        'catalog:storage.postgresql.asset', 'catalog:storage.postgresql.lineage-edge', 'inbound:storage.postgresql.inbound-event']);
    });

    it('leaves a figure whose measurement is missing without a value, names what is missing, and totals without it', () => {
      const withoutDistributed = completeResults().filter((r) => r.suite !== 'distributed');
      const p = plan(request(), withoutDistributed);
      const api = component(p, 'api');
      expect([api.coresAtPeak!.value, api.cores.value, api.memoryGib.value, api.monthlyUsd.value]).toEqual([undefined, undefined, undefined, undefined]);
      expect(api.cores.missing).toEqual([{ suite: 'distributed', key: 'processes.distributed.steady.api' }]);
      expect(p.total.monthlyUsd.missing.map((c) => `${c.suite}:${c.key}`)).toContain('distributed:processes.distributed.steady.api');
      const text = renderPlan(p);
      expect(text).toMatch(/^api\s+missing \[m\d+\]/m);
      expect(text).toContain('distributed:processes.distributed.steady.api');
      expect(text).toContain('total (the rows above, without the missing)');
    });

    it('never sizes Druid: the druid suite measures no CPU, memory or bytes per fact', () => {
      const druid = component(plan(request()), 'Druid');
      expect([druid.cores.value, druid.memoryGib.value, druid.storageGib!.value]).toEqual([undefined, undefined, undefined]);
    });

    it('with no benchmark results at all, prices only what rests on assumptions alone, and says what is missing', () => {
      const p = plan(request(), []);
      expect(p.total.monthlyUsd.missing.length).toBeGreaterThan(10);
      expect(component(p, 'api').monthlyUsd.value).toBeUndefined();
    });
  });

  describe('the embedded profile', () => {
    it('puts everything on one VM of whole vCPUs: the platform process and PostgreSQL at their measured CPU per event, with headroom', () => {
      const vm = plan(request({ profile: 'embedded', workload: { eventsPerSecond: 1000 } })).components;
      expect(vm).toHaveLength(1);
      expect(vm[0].coresAtPeak!.value).toBeCloseTo(1000 * (0.002 + 0.001));
      expect(vm[0].cores.value).toBe(5); // 4.5 rounded up
      // memory: the platform's peak RSS with headroom, and PostgreSQL's 4 GiB per core (not measured), at least 2 cores
      expect(vm[0].memoryGib.value).toBeCloseTo((512 * MIB * 1.5) / GIB + Math.max(2, 1000 * 0.001 * 1.5) * 4);
      expect(plan(request({ profile: 'embedded', workload: { eventsPerSecond: 10 } })).components[0].cores.value).toBe(2);
    });

    it('warns when the rate with headroom is above the rate the embedded platform sustained', () => {
      expect(plan(request({ profile: 'embedded', workload: { eventsPerSecond: 250 } })).warnings).toEqual([]);
      expect(plan(request({ profile: 'embedded', workload: { eventsPerSecond: 300 } })).warnings.join(' ')).toContain('above the 400 events/s');
      expect(plan(request({ profile: 'embedded' }), [benchResults('catalog')]).warnings.join(' ')).toContain('not measured');
    });
  });
});
