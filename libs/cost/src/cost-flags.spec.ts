import { DomainError } from '@tributary/errors';
import { parseCostFlags } from './cost-flags';

const REQUIRED = ['--events-per-second', '2000', '--tenants', '50', '--assets', '1000000', '--lineage-edges', '3000000', '--retention-days', '7'];

function refusal(argv: string[]): DomainError {
  try {
    parseCostFlags(argv);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe(parseCostFlags.name, () => {
  describe('accepts', () => {
    it('the required flags, with the defaults for the rest', () => {
      expect(parseCostFlags(REQUIRED)).toEqual({ kind: 'estimate', request: {
        workload: { eventsPerSecond: 2000, tenants: 50, dedicatedTenants: 0, assets: 1_000_000, lineageEdges: 3_000_000, retentionDays: 7 },
        profile: 'distributed', headroom: 0.5, pricesFile: undefined, benchmarksDir: undefined, format: 'text' } });
    });

    it('--name=value as well as --name value, fractions and exponents', () => {
      const parsed = parseCostFlags(['--events-per-second=2.5e3', '--tenants=3', '--assets', '0', '--lineage-edges', '0', '--retention-days=0.5',
        '--profile=embedded', '--headroom', '0', '--dedicated-tenants', '3', '--prices', 'mine.json', '--format', 'json']);
      expect(parsed).toMatchObject({ kind: 'estimate', request: { workload: { eventsPerSecond: 2500, tenants: 3, dedicatedTenants: 3, retentionDays: 0.5 },
        profile: 'embedded', headroom: 0, pricesFile: 'mine.json', format: 'json' } });
    });

    it('--write-docs alone or with --check, and --help', () => {
      expect(parseCostFlags(['--write-docs'])).toEqual({ kind: 'write-docs', check: false, benchmarksDir: undefined, pricesFile: undefined });
      expect(parseCostFlags(['--write-docs', '--check'])).toMatchObject({ kind: 'write-docs', check: true });
      expect(parseCostFlags(['--help'])).toEqual({ kind: 'help' });
    });
  });

  describe('refuses, naming the flag', () => {
    it.each([
      ['an unknown flag', [...REQUIRED, '--events-per-minute', '5'], 'cost.unknown_flag', 'unknown flag --events-per-minute'],
      ['a value that is not a number', ['--events-per-second', 'lots', ...REQUIRED.slice(2)], 'cost.not_a_number', '--events-per-second must be a number, got "lots"'],
      ['a number with trailing text', [...REQUIRED.slice(0, 8), '--retention-days', '7d'], 'cost.not_a_number', '--retention-days must be a number, got "7d"'],
      ['a negative number', [...REQUIRED, '--headroom', '-0.5'], 'cost.negative', '--headroom must not be negative, got -0.5'],
      ['a negative count', ['--tenants', '-1', ...REQUIRED.slice(0, 2), ...REQUIRED.slice(4)], 'cost.negative', '--tenants must not be negative'],
      ['zero events a second', ['--events-per-second', '0', ...REQUIRED.slice(2)], 'cost.not_positive', '--events-per-second must be more than 0'],
      ['a fraction of a tenant', ['--tenants', '1.5', ...REQUIRED.slice(0, 2), ...REQUIRED.slice(4)], 'cost.not_an_integer', '--tenants must be a whole number'],
      ['a missing required flag', REQUIRED.slice(0, 8), 'cost.missing_flag', 'missing required --retention-days'],
      ['several missing', REQUIRED.slice(0, 2), 'cost.missing_flag', 'missing required --tenants, --assets, --lineage-edges, --retention-days'],
      ['a flag without its value', [...REQUIRED, '--headroom'], 'cost.missing_value', '--headroom needs a value'],
      ['a flag followed by another flag', ['--prices', ...REQUIRED], 'cost.missing_value', '--prices needs a value'],
      ['an unknown profile', [...REQUIRED, '--profile', 'serverless'], 'cost.bad_choice', '--profile must be one of embedded, distributed, got "serverless"'],
      ['a flag given twice', [...REQUIRED, '--tenants', '5'], 'cost.repeated_flag', '--tenants is given twice'],
      ['a bare argument', [...REQUIRED, '2000'], 'cost.unexpected_argument', 'unexpected argument "2000"'],
      ['more dedicated tenants than tenants', [...REQUIRED, '--dedicated-tenants', '51'], 'cost.bad_flag', '--dedicated-tenants 51 is more than --tenants 50'],
      ['workload flags with --write-docs', ['--write-docs', '--tenants', '5'], 'cost.bad_flag', '--tenants cannot go with it'],
      ['--check without --write-docs', [...REQUIRED, '--check'], 'cost.bad_flag', '--check goes with --write-docs only'],
    ])('%s', (_, argv, code, message) => {
      const err = refusal(argv);
      expect(err.code).toBe(code);
      expect(err.kind).toBe('invalid');
      expect(err.message).toContain(message);
    });
  });
});
