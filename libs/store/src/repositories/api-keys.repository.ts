import { Database } from '../database';
import { privileged } from '../privileged';
import { TenantId } from '../tenant-id';

export interface ApiKeyRow {
  id: string;
  tenantId: TenantId;
  name: string;
  roles: string[];
  platformAdmin: boolean;
  secretHash: Buffer;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

type Row = {
  id: string; tenant_id: string; name: string; roles: string[]; platform_admin: boolean; secret_hash: Buffer;
  created_by: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null;
};

const toKey = (r: Row): ApiKeyRow => ({
  id: r.id, tenantId: r.tenant_id as TenantId, name: r.name, roles: r.roles, platformAdmin: r.platform_admin,
  secretHash: r.secret_hash, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at,
});

/**
 * API keys live in the control plane. Authentication finds a key by id before any tenant is known,
 * on the platform's own connection; every other operation runs as the app role under the tenant's
 * row-level security, so one tenant's admin cannot list, revoke or even probe another tenant's keys.
 */
export class ApiKeysRepository {
  constructor(private readonly database: Database) {}

  async findForAuthentication(id: string): Promise<ApiKeyRow | undefined> {
    const r = await privileged(this.database).selectFrom('tributary.api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toKey(r);
  }

  async insert(tenantId: TenantId, k: Omit<ApiKeyRow, 'tenantId' | 'createdAt' | 'revokedAt'>): Promise<ApiKeyRow> {
    return this.database.inControlForTenant(tenantId, async (trx) => {
      const r = await trx.insertInto('tributary.api_keys').values({
        id: k.id, tenant_id: tenantId, name: k.name, roles: k.roles, platform_admin: k.platformAdmin,
        secret_hash: k.secretHash, created_by: k.createdBy, expires_at: k.expiresAt,
      }).returningAll().executeTakeFirstOrThrow();
      return toKey(r);
    });
  }

  async list(tenantId: TenantId): Promise<ApiKeyRow[]> {
    return this.database.inControlForTenant(tenantId, async (trx) =>
      (await trx.selectFrom('tributary.api_keys').selectAll().where('tenant_id', '=', tenantId)
        .orderBy('created_at').orderBy('id').execute()).map(toKey));
  }

  /** Marks the key revoked; false when the tenant has no such key (or it was revoked already). */
  async revoke(tenantId: TenantId, id: string): Promise<boolean> {
    return this.database.inControlForTenant(tenantId, async (trx) => {
      const r = await trx.updateTable('tributary.api_keys').set({ revoked_at: new Date() })
        .where('tenant_id', '=', tenantId).where('id', '=', id).where('revoked_at', 'is', null)
        .returning('id').executeTakeFirst();
      return r !== undefined;
    });
  }
}
