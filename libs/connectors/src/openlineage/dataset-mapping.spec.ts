import { DatasetMappingConfig, DEFAULT_DATASET_MAPPINGS, mapDataset } from './dataset-mapping';

const byDefault = (namespace: string, name: string) => mapDataset({ namespace, name }, DEFAULT_DATASET_MAPPINGS);

describe(mapDataset.name, () => {
  describe('the OpenLineage naming conventions (defaults)', () => {
    it.each([
      ['postgres://db.prod:5432', 'shop.public.orders', 'postgres/db.prod:5432/shop/public/orders'],
      ['snowflake://acme-xy123', 'ANALYTICS.PUBLIC.ORDERS', 'snowflake/acme-xy123/ANALYTICS/PUBLIC/ORDERS'],
      ['bigquery', 'my-project.mart.orders', 'bigquery/my-project/mart/orders'],
      ['redshift://cluster.eu-west-1:5439', 'dev.public.sales', 'redshift/cluster.eu-west-1:5439/dev/public/sales'],
      ['trino://trino.local:8080', 'hive.sales.orders', 'trino/trino.local:8080/hive/sales/orders'],
      ['kafka://broker-1:9092', 'orders.v1', 'kafka/broker-1:9092/orders.v1'],
      ['s3://lake', '/raw/orders/2026', 's3/lake/raw/orders/2026'],
      ['gs://bucket', 'landing/files', 'gs/bucket/landing/files'],
    ])('%s + %s → %s', (namespace, name, qualifiedName) => {
      expect(byDefault(namespace, name)).toBe(qualifiedName);
    });

    it('leaves a namespace no convention covers, or a table name of the wrong shape, unresolved', () => {
      expect(byDefault('mysql://legacy:3306', 'crm.people')).toBeNull();
      expect(byDefault('postgres://db:5432', 'orders')).toBeNull();
      expect(byDefault('postgres://db:5432', 'a..b')).toBeNull();
    });
  });

  it('tries the rules in order, matching the namespace as a case-insensitive glob, with the case rule on the name\'s parts only', () => {
    const rules = DatasetMappingConfig.parse([
      { match: { namespace: 'SNOWFLAKE://acme-*' }, template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' },
      { template: 'other/{namespace}/{name}' },
    ]);
    expect(mapDataset({ namespace: 'snowflake://acme-prod', name: 'analytics.public.orders' }, rules)).toBe('snowflake/acme/ANALYTICS/PUBLIC/ORDERS');
    expect(mapDataset({ namespace: 'Custom://Host', name: 'x' }, rules)).toBe('other/Custom://Host/x');
  });

  it('skips a rule whose template cannot be filled for this name', () => {
    const rules = DatasetMappingConfig.parse([{ template: 't/{database}/{schema}/{table}' }, { template: 'n/{scheme}/{name}' }]);
    expect(mapDataset({ namespace: 'hdfs://nn', name: '/data/x' }, rules)).toBe('n/hdfs/data/x');
  });

  it('refuses a template with an unknown placeholder, naming the allowed ones', () => {
    const parsed = DatasetMappingConfig.safeParse([{ template: 'x/{resource}' }]);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: [0, 'template'], message: expect.stringContaining('{namespace}, {scheme}') });
  });
});
