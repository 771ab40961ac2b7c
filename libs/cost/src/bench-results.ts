import { z } from 'zod';

/**
 * The machine-readable side of `npm run bench`: one file per suite, `docs/benchmarks/<suite>.json`,
 * written beside the suite's Markdown section (bench/report.ts) and read by the cost model. Every
 * number is a number with its unit and a stable key, so that nothing downstream parses display text.
 */

export const UNITS = ['events/s', 'assets/s', 'edges/s', 'changes/s', 'ms', 's', 'bytes', 'cores', 'count'] as const;
export type Unit = (typeof UNITS)[number];

/** Keys are dotted lower-case paths (`steady.visible.p99`): stable across runs, so the cost model can cite them. */
const key = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a key is lower-case letters, digits, ".", "_" and "-"');

export const figureSchema = z.object({
  key,
  label: z.string(),
  value: z.number().finite(),
  unit: z.enum(UNITS),
  /** The issue's target, when there is one: `value op target` is what "met" means. */
  target: z.object({ op: z.enum(['>=', '<=']), value: z.number().finite(), met: z.boolean() }).optional(),
});
export type Figure = z.infer<typeof figureSchema>;

/**
 * What one process (or group of processes: all of PostgreSQL's) used during one measured phase:
 * CPU seconds over the phase's wall time, the events the platform took in meanwhile, and its peak
 * resident set size where the suite can read it.
 */
export const processUseSchema = z.object({
  key,
  /** Which process: `platform` (api, ingestor and propagator in one Node process), `api`, `ingestor`, `propagator`, `postgresql`, `kafka`, `redis`, … */
  process: key,
  phase: z.string(),
  wallSeconds: z.number().positive(),
  cpuSeconds: z.number().nonnegative(),
  /** Events taken in by the platform during the phase; absent where the phase is not about events. */
  events: z.number().int().nonnegative().optional(),
  peakRssBytes: z.number().int().positive().optional(),
  /** What else the figure includes (e.g. the load generator sharing the process). */
  note: z.string().optional(),
});
export type ProcessUse = z.infer<typeof processUseSchema>;

/** Bytes a store keeps for a kind of record: table and indexes over the rows counted. */
export const storedBytesSchema = z.object({
  key,
  store: z.enum(['postgresql', 'clickhouse']),
  /** The tables (or parts) measured. */
  what: z.string(),
  records: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  bytesPerRecord: z.number().nonnegative(),
});
export type StoredBytes = z.infer<typeof storedBytesSchema>;

export const machineSchema = z.object({
  cores: z.number().int().positive(),
  cpuModel: z.string(),
  memoryBytes: z.number().positive(),
  os: z.string(),
  node: z.string(),
  postgres: z.string(),
});
export type Machine = z.infer<typeof machineSchema>;

export const benchResultsSchema = z.object({
  suite: key,
  title: z.string(),
  measuredAt: z.iso.datetime(),
  machine: machineSchema,
  parameters: z.array(z.tuple([z.string(), z.string()])),
  figures: z.array(figureSchema),
  processes: z.array(processUseSchema),
  storage: z.array(storedBytesSchema),
  /** The Markdown section's rows, as displayed. */
  measurements: z.array(z.object({ name: z.string(), value: z.string(), target: z.object({ text: z.string(), met: z.boolean() }).optional() })),
  notes: z.array(z.string()),
}).superRefine((results, ctx) => {
  // a key names one number: a suite that wrote two under one key would leave the cost model to pick
  for (const list of ['figures', 'processes', 'storage'] as const) {
    const seen = new Set<string>();
    results[list].forEach((entry, i) => {
      if (seen.has(entry.key)) ctx.addIssue({ code: 'custom', path: [list, i, 'key'], message: `key ${entry.key} is used twice` });
      seen.add(entry.key);
    });
  }
});
export type BenchResults = z.infer<typeof benchResultsSchema>;
