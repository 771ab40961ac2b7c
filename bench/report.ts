import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, resolve } from 'node:path';
import { BenchResults, benchResultsSchema, Machine } from '@tributary/cost';
import { BenchSuite, SuiteResult } from './suite';

/** `npm run bench` runs from the package root. */
const DOC = resolve('docs', 'benchmarks.md');
/** One JSON file per suite beside the Markdown: the cost model's input (`npm run cost`). */
export const RESULTS_DIR = resolve('docs', 'benchmarks');

const HEADER = `# Benchmarks

Measured by \`npm run bench\`, which rewrites each suite's section below (between its
\`<!-- bench:… -->\` markers) and leaves the rest of this file alone. Each section states the
conditions of its figures (what ran beside the code measured, which rules were on, what was
switched off); a target a figure misses is marked **no** in the \`met\` column.
`;

/**
 * Writes the suite's section into docs/benchmarks.md, replacing the one of its previous run (other
 * suites' sections stay as they are), and returns the file's path.
 */
export function recordSection(suite: BenchSuite, result: SuiteResult, at: Date): string {
  const begin = `<!-- bench:${suite.id} -->`;
  const end = `<!-- /bench:${suite.id} -->`;
  const block = `${begin}\n${renderSection(suite, result, at)}\n${end}`;
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next = start >= 0 && stop > start
    ? `${current.slice(0, start)}${block}${current.slice(stop + end.length)}`
    : `${current.trimEnd()}\n\n${block}\n`;
  mkdirSync(dirname(DOC), { recursive: true });
  writeFileSync(DOC, next);
  return DOC;
}

/**
 * Writes the suite's figures as docs/benchmarks/<id>.json (replacing its previous run's) and returns
 * the file's path. The object is checked against the schema the cost model reads it with, so a suite
 * cannot record what the model would refuse.
 */
export function recordResults(suite: BenchSuite, result: SuiteResult, at: Date): string {
  // a figure without a value (a distribution of no samples) is not recorded: the cost model then reports it missing
  const figures = [...result.figures, ...result.measurements.flatMap((m) => m.figures ?? [])];
  const valueless = figures.filter((f) => !Number.isFinite(f.value)).map((f) => f.key);
  const results: BenchResults = benchResultsSchema.parse({
    suite: suite.id,
    title: suite.title,
    measuredAt: at.toISOString(),
    machine: machine(result.postgresVersion),
    parameters: result.parameters,
    figures: figures.filter((f) => Number.isFinite(f.value)),
    processes: result.processes ?? [],
    storage: result.storage ?? [],
    measurements: result.measurements.map(({ name, value, target }) => ({ name, value, ...(target ? { target } : {}) })),
    notes: [...result.notes, ...(valueless.length > 0 ? [`No value, not recorded: ${valueless.join(', ')}.`] : [])],
  });
  const file = resolve(RESULTS_DIR, `${suite.id}.json`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

function renderSection(suite: BenchSuite, result: SuiteResult, at: Date): string {
  const rows = result.measurements.map((m) =>
    `| ${m.name} | ${m.value} | ${m.target?.text ?? '—'} | ${m.target ? (m.target.met ? 'yes' : '**no**') : '—'} |`);
  return [
    `## ${suite.title}`,
    '',
    `Measured ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${describeMachine(result.postgresVersion)}.`,
    '',
    ...result.parameters.map(([label, value]) => `- ${label}: ${value}`),
    '',
    ...(result.table ? [markdownTable(result.table.columns, result.table.rows), ''] : []),
    '| measurement | result | target | met |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    ...result.notes.map((note) => `- ${note}`),
  ].join('\n');
}

export const markdownTable = (columns: string[], rows: string[][]) =>
  [columns, columns.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

function machine(postgresVersion: string): Machine {
  const cores = cpus();
  return { cores: cores.length, cpuModel: cores[0]?.model.trim() ?? 'unknown CPU', memoryBytes: totalmem(), os: `${type()} ${release()}`,
    node: process.version, postgres: postgresVersion.split(',')[0] };
}

function describeMachine(postgresVersion: string): string {
  const m = machine(postgresVersion);
  return `${m.cores} × ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.os}, Node ${m.node}, ${m.postgres}`;
}
