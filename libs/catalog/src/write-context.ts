import { TenantId } from '@tributary/store';

/** Who is writing, for which tenant, from where: stamped on every change event and audit entry. */
export interface WriteContext {
  tenantId: TenantId;
  /** `key:<id>`, `oidc:<sub>`, or `system` */
  actor: string;
  /** `api`, `ingest:<connector>`, `rule:<ruleId>` */
  origin: string;
  traceparent: string | null;
}

/** A read needs only the tenant. */
export interface ReadContext {
  tenantId: TenantId;
}
