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
  /** What a reader needs to interpret the numbers (how they were taken, what they include). */
  notes: string[];
}

export interface Measurement {
  name: string;
  value: string;
  /** The target from the issue, when there is one, and whether the value meets it. */
  target?: { text: string; met: boolean };
}
