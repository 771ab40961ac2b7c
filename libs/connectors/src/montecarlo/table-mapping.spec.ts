import { groupedTableId, mapTableRef, parseTableRef, TableMappingConfig, TableMappingRule } from './table-mapping';

const ACCOUNT = '9a59c6f1-203a-4c72-8cd7-132db7f21b92';
const RESOURCE = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const OTHER_RESOURCE = '11111111-2222-3333-4444-555555555555';

const mcon = (objectType: string, objectId: string, resource = RESOURCE) => `MCON++${ACCOUNT}++${resource}++${objectType}++${objectId}`;
const rule = (template: string, extra: Partial<TableMappingRule> = {}): TableMappingRule => ({ template, ...extra });
const qualifiedName = (ref: string, rules: TableMappingRule[], ctx = {}) => mapTableRef(ref, rules, ctx).qualifiedName;
const part = (value: string, quoted = false) => ({ value, quoted });

describe('TableMappingConfig', () => {
  describe('valid configuration', () => {
    it('accepts a list of rules with matches, templates and case rules', () => {
      const config = [
        { match: { account: ACCOUNT, resource: RESOURCE, database: 'analytics*' }, template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' },
        { template: 'mc/{resource}/{database}.{schema}.{table}' },
      ];
      expect(TableMappingConfig.parse(config)).toEqual(config);
    });
  });

  describe('templates', () => {
    const messages = (template: string) => {
      const parsed = TableMappingConfig.safeParse([{ template }]);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };

    it('reject an unknown placeholder, naming it and the allowed ones', () => {
      expect(messages('snowflake/{database}/{tabel}')).toEqual([
        '0.template: the template uses unknown placeholder {tabel}; allowed: {database}, {schema}, {table}, {resource}',
      ]);
    });

    it('reject an unmatched brace', () => {
      expect(messages('snowflake/{database/{table}')[0]).toMatch(/unmatched \{ or \}/);
      expect(messages('x}{table}')[0]).toMatch(/unmatched/);
    });

    it('reject an empty template', () => {
      expect(messages('')).toEqual(['0.template: the template must not be empty']);
    });
  });

  describe('typos', () => {
    it('fail fast on unknown keys and case values', () => {
      expect(TableMappingConfig.safeParse([{ template: '{table}', macth: {} }]).success).toBe(false);
      expect(TableMappingConfig.safeParse([{ template: '{table}', match: { warehouse: 'x' } }]).success).toBe(false);
      expect(TableMappingConfig.safeParse([{ template: '{table}', case: 'UPPER' }]).success).toBe(false);
    });
  });
});

describe('parseTableRef', () => {
  describe('full table ids', () => {
    it('reads database:schema.table', () => {
      expect(parseTableRef('analytics:public.orders')).toEqual({ database: part('analytics'), schema: part('public'), table: part('orders') });
    });

    it('reads a BigQuery project:dataset.table, domain-scoped projects included', () => {
      expect(parseTableRef('my-project:sales.orders_2024')).toMatchObject({ database: part('my-project'), schema: part('sales'), table: part('orders_2024') });
      expect(parseTableRef('example.com:my-project:sales.orders')).toMatchObject({ database: part('example.com:my-project'), schema: part('sales') });
    });

    it('lets the table name hold dots: the schema ends at the first dot', () => {
      expect(parseTableRef('lake:raw.events.v2')).toMatchObject({ schema: part('raw'), table: part('events.v2') });
    });

    it('reads double-quoted parts whole', () => {
      expect(parseTableRef('db:"My.Schema"."a:b ""c"""')).toEqual({ database: part('db'), schema: part('My.Schema', true), table: part('a:b "c"', true) });
    });

    it.each(['orders', 'public.orders', 'analytics:orders', 'analytics:.orders', ':public.orders', 'analytics:public.', 'db:"open.t'])('has nothing to read in %p', (ref) => {
      expect(parseTableRef(ref)).toBeNull();
    });
  });

  describe('MCONs', () => {
    it('reads a table MCON with its account and resource', () => {
      expect(parseTableRef(mcon('table', 'analytics:public.orders'))).toEqual({
        database: part('analytics'), schema: part('public'), table: part('orders'), account: ACCOUNT, resource: RESOURCE,
      });
    });

    it('reads a field MCON as its table', () => {
      expect(parseTableRef(mcon('field', 'analytics:public.orders+++customer_id'))).toMatchObject({ table: part('orders'), resource: RESOURCE });
      expect(parseTableRef(mcon('field', 'analytics:public.orders+++address.zip++code'))).toMatchObject({ table: part('orders') });
    });

    it('reads views and other table-like objects by their table id', () => {
      expect(parseTableRef(mcon('view', 'analytics:public.orders_v'))).toMatchObject({ table: part('orders_v') });
    });

    it.each([
      'MCON++only++three++parts',
      `MCON++${ACCOUNT}++${RESOURCE}++field++analytics:public.orders`,
      `MCON++${ACCOUNT}++${RESOURCE}++report++1234`,
      `MCON++++${RESOURCE}++table++analytics:public.orders`,
    ])('has nothing to read in %p', (ref) => {
      expect(parseTableRef(ref)).toBeNull();
    });
  });
});

describe('mapTableRef', () => {
  describe('templates', () => {
    it('fill {database}, {schema}, {table} and, from an MCON, {resource}', () => {
      expect(qualifiedName('analytics:public.orders', [rule('snowflake/acme/{database}/{schema}/{table}')])).toBe('snowflake/acme/analytics/public/orders');
      expect(qualifiedName(mcon('table', 'analytics:public.orders'), [rule('mc/{resource}/{table}')])).toBe(`mc/${RESOURCE}/orders`);
    });

    it('map a field MCON to its table', () => {
      expect(qualifiedName(mcon('field', 'analytics:public.orders+++customer_id'), [rule('{database}.{schema}.{table}')])).toBe('analytics.public.orders');
    });
  });

  describe('case rules', () => {
    it('apply to the parts, not the template text', () => {
      const template = 'Snowflake/Acme/{database}/{schema}/{table}';
      expect(qualifiedName('Analytics:Public.Orders', [rule(template, { case: 'upper' })])).toBe('Snowflake/Acme/ANALYTICS/PUBLIC/ORDERS');
      expect(qualifiedName('Analytics:Public.Orders', [rule(template, { case: 'lower' })])).toBe('Snowflake/Acme/analytics/public/orders');
      expect(qualifiedName('Analytics:Public.Orders', [rule(template, { case: 'preserve' })])).toBe('Snowflake/Acme/Analytics/Public/Orders');
      expect(qualifiedName('Analytics:Public.Orders', [rule(template)])).toBe('Snowflake/Acme/Analytics/Public/Orders');
    });

    it('leave quoted (case-sensitive) identifiers as they are', () => {
      expect(qualifiedName('analytics:public."MixedCase"', [rule('{database}/{schema}/{table}', { case: 'upper' })])).toBe('ANALYTICS/PUBLIC/MixedCase');
    });

    it('do not touch the resource', () => {
      expect(qualifiedName(mcon('table', 'a:b.c'), [rule('{resource}/{table}', { case: 'upper' })])).toBe(`${RESOURCE}/C`);
    });
  });

  describe('matching', () => {
    const rules = [
      rule('warehouse-a/{database}/{schema}/{table}', { match: { resource: RESOURCE } }),
      rule('analytics/{schema}/{table}', { match: { database: 'analytics_*' } }),
      rule('acme/{database}/{schema}/{table}', { match: { account: ACCOUNT } }),
    ];

    it('takes the first rule that matches', () => {
      expect(qualifiedName(mcon('table', 'analytics_prod:public.orders'), rules)).toBe('warehouse-a/analytics_prod/public/orders');
      expect(qualifiedName('analytics_prod:public.orders', rules)).toBe('analytics/public/orders');
    });

    it('matches a resource only from an MCON', () => {
      expect(qualifiedName(mcon('table', 'raw:public.orders', OTHER_RESOURCE), rules)).toBe('acme/raw/public/orders');
      expect(qualifiedName(mcon('table', 'raw:public.orders', RESOURCE.toUpperCase()), rules)).toBe('warehouse-a/raw/public/orders');
    });

    it('globs the database with *, case-insensitively', () => {
      const glob = (database: string) => [rule('{table}', { match: { database } })];
      expect(qualifiedName('ANALYTICS_dev:s.t', glob('analytics_*'))).toBe('t');
      expect(qualifiedName('x.analytics:s.t', glob('*analytics'))).toBe('t');
      expect(qualifiedName('analytics:s.t', glob('analytics_*'))).toBeNull();
      expect(qualifiedName('analyticsX:s.t', glob('analytics.'))).toBeNull();
    });

    it("matches the account from the MCON, else from the delivery's account", () => {
      const byAccount = [rule('{table}', { match: { account: ACCOUNT } })];
      expect(qualifiedName('a:b.c', byAccount, { account: ACCOUNT })).toBe('c');
      expect(qualifiedName('a:b.c', byAccount, {})).toBeNull();
      expect(qualifiedName('a:b.c', byAccount, { account: 'someone-else' })).toBeNull();
      expect(qualifiedName(mcon('table', 'a:b.c'), byAccount, {})).toBe('c');
    });

    it('requires every field of a match', () => {
      const both = [rule('{table}', { match: { account: ACCOUNT, database: 'prod' } })];
      expect(qualifiedName('prod:s.t', both, { account: ACCOUNT })).toBe('t');
      expect(qualifiedName('dev:s.t', both, { account: ACCOUNT })).toBeNull();
    });

    it('skips a {resource} rule for a plain table id and goes on to the next', () => {
      expect(qualifiedName('a:b.c', [rule('{resource}/{table}'), rule('plain/{table}')])).toBe('plain/c');
    });
  });

  describe('no mapping', () => {
    it('is null when no rule matches, there are no rules, or the ref does not parse', () => {
      expect(qualifiedName('analytics:public.orders', [rule('{table}', { match: { database: 'other' } })])).toBeNull();
      expect(qualifiedName('analytics:public.orders', [])).toBeNull();
      expect(qualifiedName('orders', [rule('{table}')])).toBeNull();
    });

    it('is null for an unvalidated rule with an unknown placeholder', () => {
      expect(qualifiedName('a:b.c', [rule('{constructor}/{table}')])).toBeNull();
    });
  });
});

describe('groupedTableId', () => {
  it("joins a group_id `database:schema` and a bare table name into the full table id", () => {
    expect(groupedTableId('zeus:ares', 'orders')).toBe('zeus:ares.orders');
    expect(parseTableRef(groupedTableId('zeus:ares', 'orders')!)).toEqual({ database: part('zeus'), schema: part('ares'), table: part('orders') });
  });

  it('keeps a quoted table name whole, dots and all, and a domain-scoped BigQuery project', () => {
    expect(parseTableRef(groupedTableId('example.com:project:dataset', '"daily.events"')!))
      .toEqual({ database: part('example.com:project'), schema: part('dataset'), table: part('daily.events', true) });
  });

  it('is null when the group is not database:schema or the name is not one identifier', () => {
    expect(groupedTableId('b2f9a3c4-0d1e-4f5a-9b8c-7d6e5f4a3b2c', 'orders')).toBeNull();
    expect(groupedTableId('zeus:ares.x', 'orders')).toBeNull();
    expect(groupedTableId(':ares', 'orders')).toBeNull();
    expect(groupedTableId('zeus:', 'orders')).toBeNull();
    expect(groupedTableId('zeus:ares', 'ares.orders')).toBeNull();
    expect(groupedTableId('zeus:ares', 'zeus:ares.orders')).toBeNull();
    expect(groupedTableId('zeus:ares', '')).toBeNull();
    expect(groupedTableId('zeus:"ares', 'orders')).toBeNull();
  });
});

describe('every form of a table id maps through the same rules', () => {
  const RULES = [
    rule('snowflake/zeus/{database}/{schema}/{table}', { match: { database: 'zeus' }, case: 'upper' }),
    rule('bigquery/{database}/{schema}/{table}', { match: { database: '*-project' } }),
  ];
  const ORDERS = 'snowflake/zeus/ZEUS/ARES/ORDERS';

  it('database:schema.table', () => {
    expect(qualifiedName('zeus:ares.orders', RULES)).toBe(ORDERS);
  });

  it('project:dataset.table', () => {
    expect(qualifiedName('acme-project:sales.daily_orders', RULES)).toBe('bigquery/acme-project/sales/daily_orders');
  });

  it('an MCON of the table, and of one of its fields', () => {
    expect(qualifiedName(mcon('table', 'zeus:ares.orders'), RULES)).toBe(ORDERS);
    expect(qualifiedName(mcon('field', 'zeus:ares.orders+++customer_id'), RULES)).toBe(ORDERS);
  });

  it('a bare table name with its database:schema in payload.group_id', () => {
    expect(qualifiedName(groupedTableId('zeus:ares', 'orders')!, RULES)).toBe(ORDERS);
    expect(qualifiedName(groupedTableId('acme-project:sales', 'daily_orders')!, RULES)).toBe('bigquery/acme-project/sales/daily_orders');
  });
});
