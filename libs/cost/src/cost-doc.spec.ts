import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { completeResults } from '../../../test/support/bench-results.factory';
import { renderCostDoc } from './cost-doc';
import { MeasurementIndex } from './measurement-index';
import { loadPriceTable } from './price-table';

const ROOT = resolve(__dirname, '../../..');
const prices = () => loadPriceTable(resolve(ROOT, 'docs/prices/gcp-us-central1.json'));

describe(renderCostDoc.name, () => {
  it('docs/cost.md is what the command renders from the committed benchmark JSON (else: npm run cost -- --write-docs)', () => {
    const rendered = renderCostDoc(MeasurementIndex.load(resolve(ROOT, 'docs/benchmarks')), prices());
    expect(readFileSync(resolve(ROOT, 'docs/cost.md'), 'utf8')).toBe(rendered);
  });

  describe('from a complete set of measurements', () => {
    const doc = renderCostDoc(new MeasurementIndex(completeResults()), prices());

    it('shows the three profiles, the cost against events per second and against retention, and what dominates each', () => {
      for (const heading of ['### Small: one tenant, 50 events/s, embedded on one VM', '### Medium: 2,000 events/s, 50 tenants, distributed',
        '### Large: 20,000 events/s, 500 tenants of which 20 dedicated, distributed', '## Cost against events per second', '## Cost against retention',
        '## Assumptions', '## Re-running the model on a real deployment']) {
        expect(doc).toContain(heading);
      }
      expect(doc.match(/^What dominates: /gm)).toHaveLength(3);
      expect(doc).toMatch(/^\| 20,000 \| \$[\d,]+ .*\(above the measured ceiling\) \| \$[\d,]+/m);
    });

    it('lists the measurements it cites, with their dates, and the one it lacks (Druid)', () => {
      expect(doc).toContain('distributed:processes.distributed.steady.api, measured 2026-01-02 03:04 UTC');
      expect(doc).toMatch(/\[m1\] druid:processes\.druid/);
    });

    it('gives the PromQL of each input on a real deployment\'s /metrics', () => {
      expect(doc).toContain('tributary_events_consumed_total{group="ingestor"}');
      expect(doc).toContain('process_cpu_seconds_total');
    });
  });
});
