import { DeploymentPlan } from './deployment-model';
import { Citation, citationId, Quantity } from './quantity';

/**
 * How a plan is written: one row per component whose every figure carries the numbers of its
 * sources, the sources below with the suite, key and date of their run, then what is missing and
 * what is assumed. The same rows make the command's output and the tables of docs/cost.md.
 */
export class Footnotes {
  private readonly numbers = new Map<string, number>();
  private readonly citations: Citation[] = [];
  readonly assumptions = new Set<string>();
  /** Missing measurements, numbered apart: `missing [m1]`. */
  private readonly missing = new Map<string, number>();

  /** `cite: false` for a total: it comes from the rows above, which cite their measurements. */
  cell(q: Quantity | undefined, format: (v: number) => string, { cite = true } = {}): string {
    if (!q) return '—';
    if (!cite) return format(q.value ?? 0);
    for (const a of q.assumptions) this.assumptions.add(a);
    if (q.value === undefined) return `missing [${q.missing.map((c) => `m${this.missingNumber(c)}`).join(',')}]`;
    const refs = q.from.map((c) => this.number(c));
    return `${format(q.value)}${refs.length > 0 ? ` [${refs.join(',')}]` : ''}`;
  }

  sources(): string[] {
    return this.citations.map((c, i) => `[${i + 1}] ${citationId(c)}, measured ${c.measuredAt?.slice(0, 16).replace('T', ' ')} UTC`);
  }

  missingMeasurements(): string[] {
    return [...this.missing.keys()].map((id, i) => `[m${i + 1}] ${id}`);
  }

  private missingNumber(c: Citation): number {
    const id = citationId(c);
    if (!this.missing.has(id)) this.missing.set(id, this.missing.size + 1);
    return this.missing.get(id)!;
  }

  private number(c: Citation): number {
    const id = citationId(c);
    if (!this.numbers.has(id)) {
      this.citations.push(c);
      this.numbers.set(id, this.citations.length);
    }
    return this.numbers.get(id)!;
  }
}

export const COLUMNS = ['component', 'replicas', 'cores at peak', 'cores', 'memory GiB', 'storage GiB', 'USD/month'];

const fixed = (digits: number) => (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const usd = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;

export function planRows(plan: DeploymentPlan, notes: Footnotes): string[][] {
  const rows = plan.components.map((c) => [c.name, notes.cell(c.replicas, fixed(0)), notes.cell(c.coresAtPeak, fixed(2)), notes.cell(c.cores, fixed(0)),
    notes.cell(c.memoryGib, fixed(1)), notes.cell(c.storageGib, fixed(0)), notes.cell(c.monthlyUsd, usd)]);
  const t = plan.total;
  const partial = t.monthlyUsd.missing.length > 0 ? ', without the missing' : '';
  const total = { cite: false };
  return [...rows, [`total (the rows above${partial})`, '', '', notes.cell(t.cores, fixed(0), total), notes.cell(t.memoryGib, fixed(1), total),
    notes.cell(t.storageGib, fixed(0), total), notes.cell(t.monthlyUsd, usd, total)]];
}

export function describeWorkload(plan: DeploymentPlan): string {
  const w = plan.request.workload;
  const n = (v: number) => v.toLocaleString('en-US');
  return `${n(w.eventsPerSecond)} events/s, ${n(w.tenants)} tenant${w.tenants === 1 ? '' : 's'} (${n(w.dedicatedTenants)} dedicated), ${n(w.assets)} assets, `
    + `${n(w.lineageEdges)} lineage edges, retention ${n(w.retentionDays)} days; profile ${plan.request.profile}, headroom ${Math.round(plan.request.headroom * 100)} %`;
}

export function describePrices(plan: DeploymentPlan): string {
  const p = plan.prices;
  return `${p.cloud} ${p.region} on-demand list prices of ${p.pricedOn} (vCPU-hour $${p.prices.vcpuHour.usd}, GiB-hour $${p.prices.memoryGibHour.usd}, `
    + `block storage GiB-month $${p.prices.blockStorageGibMonth.usd}; ${p.hoursPerMonth} h a month)${p.note ? `: ${p.note}` : ''}`;
}

/** The command's text output. */
export function renderPlan(plan: DeploymentPlan): string {
  const notes = new Footnotes();
  const rows = [COLUMNS, ...planRows(plan, notes)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  const missing = notes.missingMeasurements();
  return [
    `Deployment for ${describeWorkload(plan)}`,
    `Prices: ${describePrices(plan)}`,
    '',
    ...table,
    '',
    ...(plan.warnings.length > 0 ? ['Warnings:', ...plan.warnings.map((w) => `  ! ${w}`), ''] : []),
    'Measurements (docs/benchmarks/<suite>.json, key):',
    ...notes.sources().map((s) => `  ${s}`),
    ...(missing.length > 0 ? ['Missing measurements (figures that need them are not computed):', ...missing.map((s) => `  - ${s}`)] : []),
    'Assumptions:',
    ...[...notes.assumptions].map((a) => `  - ${a}`),
  ].join('\n');
}
