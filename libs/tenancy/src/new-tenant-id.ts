import { z } from 'zod';
import { TENANT_ID_PATTERN } from '@tributary/store';

/**
 * Ids a new tenant may not take. `pooled` already names the pooled tenants' schema (`tenant_pooled`)
 * and topics (`<prefix>.pooled.<stream>.v1`): a schema tenant of that name would write into both.
 * The others read as the platform's or PostgreSQL's own (`pg-…` too). `default` is the bootstrap
 * tenant, which exists from the first start: creating it again is a 409 like any existing id.
 */
export const RESERVED_TENANT_IDS: readonly string[] = ['pooled', 'tributary', 'public', 'information-schema'];

/**
 * The longest id a new tenant may have: a schema tenant's data lives in `tenant_<id>` (with `-` as
 * `_`), and PostgreSQL truncates identifiers to 63 bytes, so two longer ids sharing their first 56
 * characters would share a schema. Ids have no `_` of their own, so the mapping is one to one; topic
 * names (`<prefix>.<id>.<stream>.v1`) stay far below Kafka's 249.
 */
export const NEW_TENANT_ID_MAX_LENGTH = 56;

/** The id of a tenant being created: a tenant id that is also free of the platform's names and short enough for its schema. */
export const NewTenantId = z.string()
  .regex(TENANT_ID_PATTERN, 'a tenant id is lowercase letters, digits or -, starting with a letter')
  .min(2, 'a tenant id is at least 2 characters')
  .max(NEW_TENANT_ID_MAX_LENGTH, `a tenant id is at most ${NEW_TENANT_ID_MAX_LENGTH} characters (its schema name, tenant_<id>, must fit PostgreSQL's 63 bytes)`)
  .refine((id) => !RESERVED_TENANT_IDS.includes(id) && !id.startsWith('pg-'),
    { error: (issue) => `${JSON.stringify(issue.input)} is reserved for the platform (reserved: ${RESERVED_TENANT_IDS.join(', ')}, pg-*)` });

/** Where a schema tenant's data lives. */
export const tenantSchemaOf = (id: string) => `tenant_${id.replace(/-/g, '_')}`;
