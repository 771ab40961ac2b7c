/**
 * A tenant id that has been checked (against the credential that granted it, or by the platform
 * admin creating it). Repositories take a TenantTx, which carries one: tenant data cannot be queried
 * without naming the tenant.
 */
export type TenantId = string & { readonly __brand: 'TenantId' };

export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

export function asTenantId(value: string): TenantId {
  if (!TENANT_ID_PATTERN.test(value)) throw new Error(`not a tenant id: ${JSON.stringify(value)}`);
  return value as TenantId;
}

export const DEFAULT_TENANT = asTenantId('default');
