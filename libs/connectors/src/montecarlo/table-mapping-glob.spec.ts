import { mapTableRef, TableMappingConfig, TableMappingRule } from './table-mapping';

const byDatabase = (database: string): TableMappingRule[] => [{ template: '{table}', match: { database } }];
const maps = (database: string, glob: string) => mapTableRef(`${database}:s.t`, byDatabase(glob), {}).qualifiedName === 't';

describe('mapping globs', () => {
  describe('matching', () => {
    it('is case-insensitive', () => {
      expect(maps('ANALYTICS_Prod', 'analytics_*')).toBe(true);
      expect(maps('analytics_prod', 'ANALYTICS_PROD')).toBe(true);
    });

    it('lets * match any run of characters, the empty one included', () => {
      expect(maps('analytics', 'analytics*')).toBe(true);
      expect(maps('analytics', '*analytics*')).toBe(true);
      expect(maps('raw_analytics_x', '*analytics*')).toBe(true);
      expect(maps('abc', 'a*b*c')).toBe(true);
      expect(maps('abc', '***')).toBe(true);
      expect(maps('ab', 'a*b*c')).toBe(false);
    });

    it('anchors both ends', () => {
      expect(maps('xanalytics', 'analytics*')).toBe(false);
      expect(maps('analyticsx', '*analytics')).toBe(false);
      expect(maps('aXbXb', 'a*b')).toBe(true);
      expect(maps('aXbXc', 'a*b')).toBe(false);
    });

    it('reads every other character literally: dots, brackets, regex syntax', () => {
      expect(maps('analyticsX', 'analytics.')).toBe(false);
      expect(maps('analytics.', 'analytics.')).toBe(true);
      expect(maps('a+b', 'a+b')).toBe(true);
      expect(maps('aab', 'a+b')).toBe(false);
      expect(maps('x', '[x]')).toBe(false);
      expect(maps('(a|b)', '(a|b)')).toBe(true);
    });

    it('answers a pathological glob against a long run of one letter in linear time (a backtracking regex would not finish)', () => {
      const glob = '*a*a*a*a*a*a*a*a*a*a*b';
      expect(maps('a'.repeat(20_000), glob)).toBe(false);
      expect(maps(`${'a'.repeat(20_000)}b`, glob)).toBe(true);
    });
  });

  describe('length limits', () => {
    const issues = (config: unknown) => {
      const parsed = TableMappingConfig.safeParse(config);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };

    it('refuse match fields and templates that are too long, naming the field', () => {
      expect(issues([{ template: '{table}', match: { database: '*'.repeat(257) } }])).toEqual(['0.match.database: at most 256 characters']);
      expect(issues([{ template: '{table}', match: { account: 'a'.repeat(129) } }])).toEqual(['0.match.account: at most 128 characters']);
      expect(issues([{ template: '{table}', match: { resource: 'r'.repeat(129) } }])).toEqual(['0.match.resource: at most 128 characters']);
      expect(issues([{ template: `x/${'y'.repeat(1024)}/{table}` }])).toEqual(['0.template: at most 1024 characters']);
      expect(issues([{ template: '{table}', match: { database: '*'.repeat(256) } }])).toEqual([]);
    });

    it('refuse more than 100 rules', () => {
      expect(issues(Array.from({ length: 101 }, () => ({ template: '{table}' })))).toEqual([': at most 100 mapping rules']);
    });
  });
});
