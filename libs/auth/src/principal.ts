import { TenantId } from '@tributary/store';
import { Role } from './roles';

/** Who is calling, and what each granted tenant lets them do. Built only from a verified credential. */
export interface Principal {
  kind: 'api-key' | 'oidc';
  /** `key:<id>` or `oidc:<sub>`: the actor written to the audit log. */
  actor: string;
  grants: ReadonlyMap<TenantId, readonly Role[]>;
  platformAdmin: boolean;
}

/** The principal with the tenant this request acts on and the roles it holds there. */
export interface Access {
  principal: Principal;
  tenantId: TenantId;
  roles: readonly Role[];
}
