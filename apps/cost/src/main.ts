import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPriceTable, MeasurementIndex, parseCostFlags, planDeployment, renderCostDoc, renderPlan, USAGE } from '@tributary/cost';
import { DomainError } from '@tributary/errors';

/**
 * `npm run cost -- …`: sizes and prices a deployment from the benchmark results (docs/benchmarks/*.json),
 * or (`--write-docs`) writes docs/cost.md. Paths are relative to the package root, where npm runs it.
 */
const DEFAULT_PRICES = resolve('docs', 'prices', 'gcp-us-central1.json');
const DEFAULT_BENCHMARKS = resolve('docs', 'benchmarks');
const COST_DOC = resolve('docs', 'cost.md');

function main(argv: string[]): number {
  const command = parseCostFlags(argv);
  if (command.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command.kind === 'write-docs') {
    const doc = renderCostDoc(MeasurementIndex.load(command.benchmarksDir ?? DEFAULT_BENCHMARKS), loadPriceTable(command.pricesFile ?? DEFAULT_PRICES));
    if (command.check) {
      const current = existsSync(COST_DOC) ? readFileSync(COST_DOC, 'utf8') : '';
      if (current === doc) return 0;
      console.error(`${COST_DOC} is out of date with the benchmark results: run npm run cost -- --write-docs`);
      return 1;
    }
    writeFileSync(COST_DOC, doc);
    console.log(`wrote ${COST_DOC}`);
    return 0;
  }
  const { request } = command;
  const plan = planDeployment(request, MeasurementIndex.load(request.benchmarksDir ?? DEFAULT_BENCHMARKS), loadPriceTable(request.pricesFile ?? DEFAULT_PRICES));
  console.log(request.format === 'json' ? JSON.stringify(plan, null, 2) : renderPlan(plan));
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  // a bad flag or input file is the user's to fix: its message alone, no stack
  if (!(err instanceof DomainError)) throw err;
  console.error(`error: ${err.message}`);
  process.exitCode = 2;
}
