import type { Figure, ProcessUse, StoredBytes, Unit } from '@tributary/cost';
import { Database, ServerRepository } from '@tributary/store';
import { Distribution } from './stats';
import { CoresUsed } from './process-usage';

/** The typed figures a suite records beside its display rows (docs/benchmarks/<id>.json). */

export function figure(key: string, label: string, value: number, unit: Unit, target?: { op: '>=' | '<='; value: number }): Figure {
  return { key, label, value, unit,
    ...(target ? { target: { ...target, met: target.op === '>=' ? value >= target.value : value <= target.value } } : {}) };
}

/** p50, p95, p99 and max of a latency distribution, as `<key>.p50` … in milliseconds. */
export function latencyFigures(key: string, label: string, d: Distribution, target?: { p: 'p95' | 'p99'; ms: number }): Figure[] {
  return (['p50', 'p95', 'p99', 'max'] as const).map((p) =>
    figure(`${key}.${p}`, `${label}, ${p}`, d[p], 'ms', target?.p === p ? { op: '<=', value: target.ms } : undefined));
}

export interface PhaseCpu {
  /** Prefix of the records' keys, e.g. `steady`. */
  key: string;
  phase: string;
  cpu: CoresUsed;
  seconds: number;
  /** Events the platform took in during the phase. */
  events?: number;
  /** What the suite's own Node process is, e.g. `platform` (the whole platform in-process) or `bench` (load generator only). */
  self: { process: string; note?: string; peakRssBytes?: number };
  /** Peak RSS of watched processes, by the name they are watched under. */
  peaks?: Record<string, number>;
}

/**
 * CPU seconds per process over a phase, from the average cores the phase measured: the suite's own
 * process, PostgreSQL (all its processes; left out when the suite ran none) and every watched one
 * (api, ingestor, Kafka, …), named in lower case.
 */
export function processUses({ key, phase, cpu, seconds, events, self, peaks = {} }: PhaseCpu): ProcessUse[] {
  const use = (process: string, cores: number, extra: Partial<ProcessUse> = {}): ProcessUse =>
    ({ key: `${key}.${process}`, process, phase, wallSeconds: seconds, cpuSeconds: cores * seconds, ...(events === undefined ? {} : { events }), ...extra });
  return [
    use(self.process, cpu.node, { ...(self.note ? { note: self.note } : {}), ...(self.peakRssBytes ? { peakRssBytes: self.peakRssBytes } : {}) }),
    ...(cpu.postgres > 0 ? [use('postgresql', cpu.postgres, { note: 'every PostgreSQL process (server and backends)' })] : []),
    ...Object.entries(cpu.watched).map(([name, cores]) => {
      const peak = peaks[name];
      return use(name.toLowerCase(), cores, peak ? { peakRssBytes: peak } : {});
    }),
  ];
}

/**
 * Bytes per record of the named PostgreSQL tables taken together, over the rows of the table
 * `per` names (e.g. incidents with their facts and asset links, per incident) or over a count the
 * suite knows (e.g. the inbound events among the event log's rows); undefined when there are none.
 */
export async function postgresBytesPer(database: Database, key: string, tables: string[], per: string | { what: string; records: number }): Promise<StoredBytes | undefined> {
  const footprint = await new ServerRepository(database).tableFootprint(tables);
  const records = typeof per === 'string' ? footprint.find((t) => t.table === per)?.rows : per.records;
  if (!records) return undefined;
  const bytes = footprint.reduce((n, t) => n + t.bytes, 0);
  return { key, store: 'postgresql', what: `${footprint.map((t) => `${t.table} (${t.rows} rows)`).join(', ')}, per ${typeof per === 'string' ? `${per} row` : per.what}`,
    records, bytes, bytesPerRecord: bytes / records };
}
