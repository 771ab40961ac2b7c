import { DomainError } from '@tributary/errors';
import type { TenantId, TenantPlacement } from '@tributary/store';

/** The datasource of pooled and schema tenants, the tenant a dimension of every row. */
export const POOLED_INCIDENT_FACTS = 'tributary_incident_facts';

/** Which Druid datasource holds a tenant's incident facts. */
export type IncidentFactsDatasourceOf = (tenantId: TenantId) => Promise<string>;

/**
 * A dedicated tenant's own datasource, `tributary_incident_facts_<tenant id>`, the pooled one for the
 * others: the same rule as its ClickHouse database (analyticsDatabaseOf in libs/platform). Tenant ids
 * are [a-z0-9-]+, which a datasource name may hold as they are.
 */
export function incidentFactsDatasource(p: Pick<TenantPlacement, 'tenantId' | 'placement'>): string {
  return p.placement === 'dedicated' ? `${POOLED_INCIDENT_FACTS}_${p.tenantId}` : POOLED_INCIDENT_FACTS;
}

const DATASOURCE_NAME = /^[a-z][a-z0-9_-]{0,254}$/;

/**
 * A datasource goes into SQL as an identifier (Druid takes no parameter there): it comes from the
 * placement, never from a request, and this check keeps it a plain name.
 */
export function datasourceName(name: string): string {
  if (!DATASOURCE_NAME.test(name)) {
    throw new DomainError('invalid', 'druid_datasource_name', `Druid datasource name ${JSON.stringify(name)} is not a plain name`);
  }
  return name;
}
