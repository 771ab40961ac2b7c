import { DomainError } from '@tributary/errors';
import type { TenantId } from '@tributary/store';

/**
 * Which Druid datasource holds a tenant's incident facts: the composition root passes the rule the
 * supervisors are made by (libs/druid-ingestion, `datasourceOf`: by the tenant's placement).
 */
export type IncidentFactsDatasourceOf = (tenantId: TenantId) => Promise<string>;

const DATASOURCE_NAME = /^[a-z][a-z0-9_-]{0,254}$/;

/**
 * A datasource goes into SQL as an identifier (Druid takes no parameter there): it comes from the
 * configuration and the placement, never from a request, and this check keeps it a plain name.
 */
export function datasourceName(name: string): string {
  if (!DATASOURCE_NAME.test(name)) {
    throw new DomainError('invalid', 'druid_datasource_name', `Druid datasource name ${JSON.stringify(name)} is not a plain name`);
  }
  return name;
}
