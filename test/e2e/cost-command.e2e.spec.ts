import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchResults, benchResultsSchema } from '@tributary/cost';
import { ensureBuilt } from '../support/app-processes';
import { completeResults } from '../support/bench-results.factory';

const ROOT = resolve(__dirname, '../..');
const BENCHMARKS = join(ROOT, 'docs', 'benchmarks');
const WORKLOAD = ['--events-per-second', '2000', '--tenants', '50', '--assets', '1000000', '--lineage-edges', '3000000', '--retention-days', '7'];

/** `npm run cost` as a user runs it: the built entry point, from the package root. */
function cost(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist/apps/cost/src/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface PlannedQuantity { value?: number; from: { suite: string; key: string; measuredAt?: string }[]; missing: { suite: string; key: string }[] }
interface PlannedComponent { name: string; coresAtPeak: PlannedQuantity; cores: PlannedQuantity }

/** CPU seconds per event of a recorded process, straight from the JSON, or undefined when not recorded. */
function cpuPerEvent(results: BenchResults[], suite: string, key: string): number | undefined {
  const use = results.find((r) => r.suite === suite)?.processes.find((p) => p.key === key);
  return use?.events ? use.cpuSeconds / use.events : undefined;
}

/** The printed plan's cores at peak for api, ingestor and PostgreSQL agree with the recorded CPU per event, or are printed missing. */
function expectConsistent(planned: { components: PlannedComponent[] }, results: BenchResults[], eventsPerSecond: number): void {
  for (const [name, key] of [['api', 'distributed.steady.api'], ['ingestor', 'distributed.steady.ingestor'], ['PostgreSQL', 'distributed.steady.postgresql']]) {
    const atPeak = planned.components.find((c) => c.name === name)!.coresAtPeak;
    const recorded = cpuPerEvent(results, 'distributed', key);
    if (recorded === undefined) {
      expect(atPeak.value).toBeUndefined();
      expect(atPeak.missing).toContainEqual({ suite: 'distributed', key: `processes.${key}` });
    } else {
      expect(atPeak.value).toBeCloseTo(eventsPerSecond * recorded, 9);
      expect(atPeak.from).toContainEqual({ suite: 'distributed', key: `processes.${key}`, measuredAt: results.find((r) => r.suite === 'distributed')!.measuredAt });
    }
  }
}

describe('npm run cost (the built command)', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('prints a profile consistent with the committed benchmark JSON: figures from the recorded CPU per event, the rest printed missing', () => {
    const committed = readdirSync(BENCHMARKS, { withFileTypes: true }).filter((f) => f.name.endsWith('.json'))
      .map((f) => benchResultsSchema.parse(JSON.parse(readFileSync(join(BENCHMARKS, f.name), 'utf8'))));
    const json = cost([...WORKLOAD, '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    expectConsistent(JSON.parse(json.stdout), committed, 2000);
    const text = cost(WORKLOAD);
    expect(text.status).toBe(0);
    for (const r of committed) {
      // a measurement used is listed as `[n] <suite>:<key>, measured <date>`; a missing one as `[mN] <suite>:<key>`, with no date
      if (new RegExp(`\\[\\d+\\] ${r.suite}:`).test(text.stdout)) expect(text.stdout).toContain(`measured ${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC`);
    }
    // Druid is never measured: always printed missing, never sized
    expect(text.stdout).toMatch(/^Druid \(incident analytics\)\s+—\s+missing \[m\d+\]/m);
  });

  describe('on a directory of results', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'tributary-cost-'));
      for (const r of completeResults()) writeFileSync(join(dir, `${r.suite}.json`), JSON.stringify(r));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('sizes every measured component from the files, and scales with the rate asked', () => {
      for (const rate of [500, 8000]) {
        const run = cost([...WORKLOAD.slice(2), '--events-per-second', String(rate), '--benchmarks', dir, '--format', 'json']);
        expect(run.status).toBe(0);
        expectConsistent(JSON.parse(run.stdout), completeResults(), rate);
      }
    });

    it('prints each figure with the measurements it came from, their dates, and the assumptions', () => {
      const run = cost([...WORKLOAD, '--benchmarks', dir]);
      expect(run.status).toBe(0);
      // 2,000 events/s × 0.001 CPU s an event = 2 cores at peak; × 1.5 headroom = 3 replicas of one core
      expect(run.stdout).toMatch(/^ingestor\s+3 \[\d+\]\s+2\.00 \[\d+\]\s+3 \[\d+\]/m);
      expect(run.stdout).toContain('distributed:processes.distributed.steady.ingestor, measured 2026-01-02 03:04 UTC');
      expect(run.stdout).toContain('50 % headroom at peak');
      expect(run.stdout).toContain('Prices: gcp us-central1');
    });

    it('refuses a results file that is not one, naming the file', () => {
      writeFileSync(join(dir, 'broken.json'), JSON.stringify({ suite: 'broken' }));
      try {
        const run = cost([...WORKLOAD, '--benchmarks', dir]);
        expect(run.status).toBe(2);
        expect(run.stderr).toContain(`${join(dir, 'broken.json')} is not a benchmark result`);
        expect(run.stdout).toBe('');
      } finally {
        rmSync(join(dir, 'broken.json'));
      }
    });
  });

  it.each([
    ['an unknown flag', [...WORKLOAD, '--cloud', 'aws'], 'error: unknown flag --cloud'],
    ['a value that is not a number', [...WORKLOAD.slice(0, 8), '--retention-days', 'week'], 'error: --retention-days must be a number, got "week"'],
    ['a negative value', [...WORKLOAD, '--headroom', '-1'], 'error: --headroom must not be negative'],
    ['a missing required flag', WORKLOAD.slice(2), 'error: missing required --events-per-second'],
    ['a price table that is not one', [...WORKLOAD, '--prices', join(ROOT, 'package.json')], 'is not a price table'],
  ])('refuses %s with exit code 2 and the message alone', (_, args, message) => {
    const run = cost(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('    at ');
    expect(run.stdout).toBe('');
  });

  it('--write-docs --check: docs/cost.md is up to date with the committed JSON', () => {
    const run = cost(['--write-docs', '--check']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
