import fc from 'fast-check';
import { NEW_TENANT_ID_MAX_LENGTH, NewTenantId, tenantSchemaOf } from './new-tenant-id';

describe('NewTenantId', () => {
  const ids = fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{1,${NEW_TENANT_ID_MAX_LENGTH - 1}}$`)).filter((id) => NewTenantId.safeParse(id).success);

  it('maps every id it accepts to a schema name within PostgreSQL\'s 63 bytes, one to one', () => {
    fc.assert(fc.property(ids, ids, (a, b) => {
      expect(Buffer.byteLength(tenantSchemaOf(a))).toBeLessThanOrEqual(63);
      expect(tenantSchemaOf(a) === tenantSchemaOf(b)).toBe(a === b);
    }));
  });

  it('refuses the platform\'s names, PostgreSQL\'s prefix and ids too long for a schema name', () => {
    for (const id of ['pooled', 'tributary', 'public', 'information-schema', 'pg-toast', `a${'b'.repeat(NEW_TENANT_ID_MAX_LENGTH)}`, 'A', 'a_b', 'x']) {
      expect([id, NewTenantId.safeParse(id).success]).toEqual([id, false]);
    }
    for (const id of ['acme', 'default', 'pooled-2', 'pgx', `a${'b'.repeat(NEW_TENANT_ID_MAX_LENGTH - 1)}`]) expect([id, NewTenantId.safeParse(id).success]).toEqual([id, true]);
  });
});
