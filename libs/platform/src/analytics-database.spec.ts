import { asTenantId } from '@tributary/store';
import { analyticsDatabaseOf } from './runtime';

describe(analyticsDatabaseOf.name, () => {
  it('gives a dedicated tenant a ClickHouse database of its own, named after it with dashes as underscores', () => {
    expect(analyticsDatabaseOf('tributary', { tenantId: asTenantId('acme-eu'), placement: 'dedicated' })).toBe('tributary_acme_eu');
    expect(analyticsDatabaseOf('analytics', { tenantId: asTenantId('acme'), placement: 'dedicated' })).toBe('analytics_acme');
  });

  it.each(['pooled', 'schema'] as const)('keeps a %s tenant in the shared database', (placement) => {
    expect(analyticsDatabaseOf('tributary', { tenantId: asTenantId('acme-eu'), placement })).toBe('tributary');
  });

  it('shortens a name too long for the store, keeping it apart from its neighbours by a hash of the tenant id', () => {
    const long = (last: string) => asTenantId(`a${'-x'.repeat(30)}${last}`);
    const [one, two] = [long('1'), long('2')].map((tenantId) => analyticsDatabaseOf('tributary', { tenantId, placement: 'dedicated' }));
    expect([one.length, two.length]).toEqual([62, 62]);
    expect(one).toMatch(/^tributary_a_x_x_x.*_[0-9a-f]{8}$/);
    expect(one).not.toBe(two);
  });

  it('never gives two tenants one database: tenant ids have no underscores', () => {
    const names = ['a-b', 'ab', 'a-b-c', 'ab-c', 'a-bc'].map((id) => analyticsDatabaseOf('tributary', { tenantId: asTenantId(id), placement: 'dedicated' }));
    expect(new Set(names).size).toBe(names.length);
    expect(() => asTenantId('a_b')).toThrow();
  });
});
