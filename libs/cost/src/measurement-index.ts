import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '@tributary/errors';
import { BenchResults, benchResultsSchema } from './bench-results';
import { measured, missing, Quantity } from './quantity';

/**
 * The benchmark results the cost model reads (docs/benchmarks/*.json), looked up by suite and key.
 * Every lookup answers a Quantity citing the suite, the key and the date of the run, or one that
 * names what is missing.
 */
export class MeasurementIndex {
  private readonly bySuite: Map<string, BenchResults>;

  constructor(results: BenchResults[]) {
    this.bySuite = new Map(results.map((r) => [r.suite, r]));
  }

  /** Every `<suite>.json` of the directory, each checked against the schema; a missing directory is no results. */
  static load(dir: string): MeasurementIndex {
    if (!existsSync(dir)) return new MeasurementIndex([]);
    const results = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => {
      const parsed = benchResultsSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) {
        throw invalid('cost.bad_benchmark_file', `${join(dir, file)} is not a benchmark result: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return parsed.data;
    });
    return new MeasurementIndex(results);
  }

  suites(): BenchResults[] {
    return [...this.bySuite.values()];
  }

  figure(suite: string, key: string): Quantity {
    return this.lookup(suite, `figures.${key}`, (r) => r.figures.find((f) => f.key === key)?.value);
  }

  /** CPU seconds per event a process used over a measured phase (its CPU seconds over the events taken in meanwhile). */
  cpuSecondsPerEvent(suite: string, key: string): Quantity {
    return this.lookup(suite, `processes.${key}`, (r) => {
      const use = r.processes.find((p) => p.key === key);
      return use?.events ? use.cpuSeconds / use.events : undefined;
    });
  }

  peakRssBytes(suite: string, key: string): Quantity {
    return this.lookup(suite, `processes.${key}.peakRssBytes`, (r) => r.processes.find((p) => p.key === key)?.peakRssBytes);
  }

  bytesPerRecord(suite: string, key: string): Quantity {
    return this.lookup(suite, `storage.${key}`, (r) => r.storage.find((s) => s.key === key)?.bytesPerRecord);
  }

  /** How many records of a stored kind the suite measured (e.g. change events per inbound event = one over the other). */
  records(suite: string, key: string): Quantity {
    return this.lookup(suite, `storage.${key}.records`, (r) => r.storage.find((s) => s.key === key)?.records);
  }

  /** The value `read` finds in the suite's results, cited with the run's date; missing when the suite or the value is not there. */
  private lookup(suite: string, key: string, read: (results: BenchResults) => number | undefined): Quantity {
    const results = this.bySuite.get(suite);
    const value = results ? read(results) : undefined;
    return value === undefined || !results ? missing({ suite, key }) : measured(value, { suite, key, measuredAt: results.measuredAt });
  }
}
