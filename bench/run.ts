import 'reflect-metadata';
import { analyticsSuite } from './analytics.bench';
import { atlasSuite } from './atlas.bench';
import { catalogSuite } from './catalog.bench';
import { consoleSuite } from './console.bench';
import { distributedSuite } from './distributed.bench';
import { druidSuite } from './druid.bench';
import { inboundSuite } from './inbound.bench';
import { notificationsSuite } from './notifications.bench';
import { openlineageSuite } from './openlineage.bench';
import { propagationSuite } from './propagation.bench';
import { recordResults, recordSection } from './report';
import { BenchSuite, SuiteResult } from './suite';

/**
 * `npm run bench`: the suites, run one after the other in this order. A new suite is one more line.
 * `npm run bench -- propagation` runs only the suites named.
 */
const suites: BenchSuite[] = [catalogSuite, inboundSuite, propagationSuite, analyticsSuite, distributedSuite, druidSuite, notificationsSuite, openlineageSuite, atlasSuite,
  consoleSuite];

async function main(): Promise<void> {
  let failures = 0;
  const only = process.argv.slice(2);
  for (const suite of suites.filter((s) => only.length === 0 || only.includes(s.id))) {
    console.log(`\n== ${suite.title}`);
    try {
      const result = await suite.run((line) => console.log(`   ${line}`));
      printSummary(result);
      const at = new Date();
      // the JSON first: it is checked against the cost model's schema, and a result it refuses is recorded nowhere
      const json = recordResults(suite, result, at);
      console.log(`   recorded in ${recordSection(suite, result, at)} and ${json}`);
    } catch (err) {
      failures++;
      console.error(`   FAILED, nothing recorded: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  process.exitCode = failures > 0 ? 1 : 0;
}

function printSummary(result: SuiteResult): void {
  const width = Math.max(...result.measurements.map((m) => m.name.length));
  console.log('');
  for (const m of result.measurements) {
    const verdict = m.target ? `   (target ${m.target.text}: ${m.target.met ? 'met' : 'NOT MET'})` : '';
    console.log(`   ${m.name.padEnd(width)}  ${m.value}${verdict}`);
  }
  console.log('');
}

void main();
