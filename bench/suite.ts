import type { Figure, ProcessUse, StoredBytes } from '@tributary/cost';

/** One benchmark suite: it measures, and `run.ts` prints and records what it measured. */
export interface BenchSuite {
  /** Names the suite's section in docs/benchmarks.md; never change it, or the old section stays behind. */
  id: string;
  title: string;
  run(progress: (line: string) => void): Promise<SuiteResult>;
}

export interface SuiteResult {
  /** `select version()` of the PostgreSQL the suite ran on. */
  postgresVersion: string;
  parameters: [label: string, value: string][];
  /** A comparison to show above the measurements (e.g. one row per mode), when the suite has one. */
  table?: { columns: string[]; rows: string[][] };
  measurements: Measurement[];
  /**
   * The numbers behind the measurements, typed (docs/benchmarks/<id>.json): what the cost model reads.
   * A rate or latency shown in `measurements` has its figure here under a stable key.
   */
  figures: Figure[];
  /** CPU seconds and peak memory per process over the measured phases, where the suite can know them. */
  processes?: ProcessUse[];
  /** Bytes per stored record, where the suite measured them. */
  storage?: StoredBytes[];
  /** What a reader needs to interpret the numbers (how they were taken, what they include). */
  notes: string[];
}

export interface Measurement {
  name: string;
  value: string;
  /** The target from the issue, when there is one, and whether the value meets it. */
  target?: { text: string; met: boolean };
  /** The numbers behind this row, typed, where a helper builds rows and numbers together; recorded with the suite's `figures`. */
  figures?: Figure[];
}
