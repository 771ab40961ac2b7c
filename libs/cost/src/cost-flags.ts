import { invalid } from '@tributary/errors';

/** What to size: the volumes of one deployment. */
export interface Workload {
  eventsPerSecond: number;
  tenants: number;
  /** Tenants with their own schema and ClickHouse database (the rest share one). */
  dedicatedTenants: number;
  assets: number;
  lineageEdges: number;
  retentionDays: number;
}

export type Profile = 'embedded' | 'distributed';

export interface CostRequest {
  workload: Workload;
  profile: Profile;
  /** Spare capacity at peak: 0.5 provisions 1.5 × what the peak needs. */
  headroom: number;
  pricesFile?: string;
  benchmarksDir?: string;
  format: 'text' | 'json';
}

export type CostCommand = { kind: 'help' } | { kind: 'write-docs'; check: boolean; benchmarksDir?: string; pricesFile?: string } | { kind: 'estimate'; request: CostRequest };

interface FlagSpec {
  /** integer: whole numbers only; positive: > 0 (else ≥ 0). */
  number?: { integer: boolean; positive: boolean };
  choices?: readonly string[];
  /** A switch takes no value. */
  switch?: boolean;
}

const FLAGS: Record<string, FlagSpec> = {
  'events-per-second': { number: { integer: false, positive: true } },
  tenants: { number: { integer: true, positive: true } },
  'dedicated-tenants': { number: { integer: true, positive: false } },
  assets: { number: { integer: true, positive: false } },
  'lineage-edges': { number: { integer: true, positive: false } },
  'retention-days': { number: { integer: false, positive: true } },
  headroom: { number: { integer: false, positive: false } },
  profile: { choices: ['embedded', 'distributed'] },
  format: { choices: ['text', 'json'] },
  prices: {},
  benchmarks: {},
  'write-docs': { switch: true },
  check: { switch: true },
  help: { switch: true },
};

const REQUIRED = ['events-per-second', 'tenants', 'assets', 'lineage-edges', 'retention-days'] as const;

export const USAGE = `npm run cost -- --events-per-second N --tenants T --assets A --lineage-edges E --retention-days D
    [--dedicated-tenants K] [--profile embedded|distributed] [--headroom 0.5] [--prices file.json] [--benchmarks dir] [--format text|json]
npm run cost -- --write-docs [--check]   (docs/cost.md from the benchmark JSON; --check: fail if it is out of date)`;

/**
 * The command line, each flag as `--name value` or `--name=value`. Anything not understood is
 * refused with the flag it is about: an unknown flag, a value that is not a number, a negative one,
 * a required flag left out.
 */
export function parseCostFlags(argv: string[]): CostCommand {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw invalid('cost.unexpected_argument', `unexpected argument "${arg}": every input is a --flag\n${USAGE}`);
    const [name, inline] = splitOnce(arg.slice(2));
    const spec = FLAGS[name];
    if (!spec) throw invalid('cost.unknown_flag', `unknown flag --${name}\n${USAGE}`);
    if (values.has(name)) throw invalid('cost.repeated_flag', `--${name} is given twice`);
    if (spec.switch) {
      if (inline !== undefined) throw invalid('cost.bad_flag', `--${name} takes no value`);
      values.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw invalid('cost.missing_value', `--${name} needs a value`);
    if (spec.choices && !spec.choices.includes(value)) throw invalid('cost.bad_choice', `--${name} must be one of ${spec.choices.join(', ')}, got "${value}"`);
    values.set(name, value);
  }
  if (values.has('help')) return { kind: 'help' };
  if (values.has('write-docs')) {
    const others = [...values.keys()].filter((k) => !['write-docs', 'check', 'benchmarks', 'prices'].includes(k));
    if (others.length > 0) throw invalid('cost.bad_flag', `--write-docs computes its own profiles: ${others.map((k) => `--${k}`).join(', ')} cannot go with it`);
    return { kind: 'write-docs', check: values.has('check'), benchmarksDir: values.get('benchmarks'), pricesFile: values.get('prices') };
  }
  if (values.has('check')) throw invalid('cost.bad_flag', '--check goes with --write-docs only');
  const absent = REQUIRED.filter((name) => !values.has(name));
  if (absent.length > 0) throw invalid('cost.missing_flag', `missing required ${absent.map((n) => `--${n}`).join(', ')}\n${USAGE}`);
  const num = (name: string, fallback?: number) => (values.has(name) ? toNumber(name, values.get(name)!) : fallback!);
  const workload: Workload = {
    eventsPerSecond: num('events-per-second'), tenants: num('tenants'), dedicatedTenants: num('dedicated-tenants', 0),
    assets: num('assets'), lineageEdges: num('lineage-edges'), retentionDays: num('retention-days'),
  };
  if (workload.dedicatedTenants > workload.tenants) {
    throw invalid('cost.bad_flag', `--dedicated-tenants ${workload.dedicatedTenants} is more than --tenants ${workload.tenants}`);
  }
  return { kind: 'estimate', request: {
    workload, profile: (values.get('profile') ?? 'distributed') as Profile, headroom: num('headroom', 0.5),
    pricesFile: values.get('prices'), benchmarksDir: values.get('benchmarks'), format: (values.get('format') ?? 'text') as 'text' | 'json',
  } };

  function toNumber(name: string, raw: string): number {
    const spec = FLAGS[name].number!;
    if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim())) throw invalid('cost.not_a_number', `--${name} must be a number, got "${raw}"`);
    const value = Number(raw);
    if (value < 0) throw invalid('cost.negative', `--${name} must not be negative, got ${raw}`);
    if (spec.positive && value === 0) throw invalid('cost.not_positive', `--${name} must be more than 0`);
    if (spec.integer && !Number.isInteger(value)) throw invalid('cost.not_an_integer', `--${name} must be a whole number, got ${raw}`);
    return value;
  }
}

function splitOnce(flag: string): [string, string | undefined] {
  const at = flag.indexOf('=');
  return at < 0 ? [flag, undefined] : [flag.slice(0, at), flag.slice(at + 1)];
}
