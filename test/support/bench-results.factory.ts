import type { BenchResults, ProcessUse, StoredBytes } from '@tributary/cost';

/** Benchmark results made up for the cost model's tests: round numbers, so expectations can be worked out by hand. */

const MACHINE = { cores: 2, cpuModel: 'test CPU', memoryBytes: 8 * 2 ** 30, os: 'Linux test', node: 'v22.0.0', postgres: 'PostgreSQL 17.0' };

export function benchResults(suite: string, parts: Partial<Pick<BenchResults, 'figures' | 'processes' | 'storage' | 'measuredAt'>> = {}): BenchResults {
  return { suite, title: `${suite} (made up)`, measuredAt: parts.measuredAt ?? '2026-01-02T03:04:05.000Z', machine: MACHINE, parameters: [],
    figures: parts.figures ?? [], processes: parts.processes ?? [], storage: parts.storage ?? [], measurements: [], notes: [] };
}

/** A process that used `cpuPerEvent` CPU seconds per event over 1,000 events. */
export function processUse(key: string, process: string, cpuPerEvent: number, peakRssBytes?: number): ProcessUse {
  return { key, process, phase: 'made up', wallSeconds: 10, cpuSeconds: cpuPerEvent * 1000, events: 1000, ...(peakRssBytes ? { peakRssBytes } : {}) };
}

export function stored(key: string, store: StoredBytes['store'], bytesPerRecord: number, records = 1000): StoredBytes {
  return { key, store, what: 'made up', records, bytes: bytesPerRecord * records, bytesPerRecord };
}

const MIB = 2 ** 20;

/** Every measurement the model reads, for both profiles. */
export function completeResults(): BenchResults[] {
  return [
    benchResults('catalog', { storage: [stored('postgresql.asset', 'postgresql', 1000), stored('postgresql.lineage-edge', 'postgresql', 200)] }),
    benchResults('inbound', {
      figures: [{ key: 'sustained.events-per-second', label: 'sustained', value: 400, unit: 'events/s' }],
      processes: [processUse('steady.platform', 'platform', 0.002, 512 * MIB), processUse('steady.postgresql', 'postgresql', 0.001)],
      storage: [stored('postgresql.inbound-event', 'postgresql', 4000, 1000), stored('postgresql.log-record', 'postgresql', 1000, 3000),
        stored('postgresql.incident', 'postgresql', 800, 500), stored('postgresql.change-event', 'postgresql', 700, 2000)],
    }),
    benchResults('analytics', {
      figures: [{ key: 'closure.pairs-per-edge', label: 'pairs per edge', value: 10, unit: 'count' }],
      processes: [processUse('indexer.indexer', 'indexer', 0.0001)],
      storage: [stored('clickhouse.assets', 'clickhouse', 50), stored('clickhouse.edges', 'clickhouse', 20), stored('clickhouse.closure-pairs', 'clickhouse', 8),
        stored('clickhouse.closure-pairs-by-descendant', 'clickhouse', 8), stored('clickhouse.incidents', 'clickhouse', 100, 1000),
        stored('clickhouse.incident-assets', 'clickhouse', 30, 2000)],
    }),
    benchResults('distributed', {
      processes: [processUse('distributed.steady.api', 'api', 0.0005, 200 * MIB), processUse('distributed.steady.ingestor', 'ingestor', 0.001, 300 * MIB),
        processUse('distributed.steady.propagator', 'propagator', 0.0002, 250 * MIB), processUse('distributed.steady.postgresql', 'postgresql', 0.0008),
        processUse('distributed.steady.kafka', 'kafka', 0.0003, 1024 * MIB), processUse('distributed.steady.redis', 'redis', 0.0001, 50 * MIB)],
    }),
  ];
}
