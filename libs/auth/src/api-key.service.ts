import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { forbidden, invalid, notFound } from '@tributary/errors';
import { ApiKeyRow, ApiKeysRepository, TenantId } from '@tributary/store';
import { Principal } from './principal';
import { PLATFORM_ROLES, Role } from './roles';

export interface ApiKeyView {
  id: string;
  name: string;
  roles: Role[];
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export type AuthenticationFailure = 'malformed' | 'unknown' | 'revoked' | 'expired';

/** Who creates a key: the actor for the audit trail, and whether it may grant platform roles. */
export type KeyCreator = Pick<Principal, 'actor' | 'platformAdmin'>;

/** The platform creating keys itself (the bootstrap key, a new tenant's admin key). */
export const PLATFORM_CREATOR: KeyCreator = { actor: 'system', platformAdmin: true };

/**
 * API keys look like `trb_<id>_<secret>`. Only a SHA-256 of the secret is stored: the secret is 32
 * random bytes, so a slow hash would add nothing but latency to every request. Lookup is by id; the
 * hash comparison is constant-time.
 */
export class ApiKeyService {
  constructor(private readonly keys: ApiKeysRepository, private readonly now: () => Date = () => new Date()) {}

  async create(tenantId: TenantId, input: { name: string; roles: Role[]; expiresAt?: Date; platformAdmin?: boolean },
    creator: KeyCreator, presetKey?: string): Promise<{ key: string; view: ApiKeyView }> {
    const platformRoles = input.roles.filter((r) => PLATFORM_ROLES.includes(r));
    if (platformRoles.length > 0 && !creator.platformAdmin) {
      throw forbidden('platform_admin_required', `only a platform admin may grant ${platformRoles.join(', ')}: it spans every tenant`,
        { roles: platformRoles });
    }
    if (input.expiresAt && input.expiresAt <= this.now()) {
      throw invalid('expiry_in_past', 'expiresAt must be in the future', { expiresAt: input.expiresAt.toISOString() });
    }
    const key = presetKey ?? `trb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    const parsed = parseKey(key);
    if (!parsed) throw new Error('preset API key is malformed');
    const row = await this.keys.insert(tenantId, {
      id: parsed.id, name: input.name, roles: input.roles, platformAdmin: input.platformAdmin ?? false,
      secretHash: hash(parsed.secret), createdBy: creator.actor, expiresAt: input.expiresAt ?? null,
    });
    return { key, view: toView(row) };
  }

  async list(tenantId: TenantId): Promise<ApiKeyView[]> {
    return (await this.keys.list(tenantId)).map(toView);
  }

  async revoke(tenantId: TenantId, id: string): Promise<void> {
    if (!(await this.keys.revoke(tenantId, id))) throw notFound('api_key_not_found', `no active API key ${JSON.stringify(id)} in this tenant`);
  }

  async authenticate(key: string): Promise<Principal | AuthenticationFailure> {
    const parsed = parseKey(key);
    if (!parsed) return 'malformed';
    const row = await this.keys.findForAuthentication(parsed.id);
    if (!row || !timingSafeEqual(row.secretHash, hash(parsed.secret))) return 'unknown';
    if (row.revokedAt) return 'revoked';
    if (row.expiresAt && row.expiresAt <= this.now()) return 'expired';
    return {
      kind: 'api-key', actor: `key:${row.id}`, platformAdmin: row.platformAdmin,
      grants: new Map([[row.tenantId, row.roles as Role[]]]),
    };
  }
}

export function parseKey(key: string): { id: string; secret: string } | undefined {
  const m = /^trb_([A-Za-z0-9]+)_([A-Za-z0-9_-]{20,})$/.exec(key);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();

const toView = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id, name: r.name, roles: r.roles as Role[], expiresAt: r.expiresAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(), createdBy: r.createdBy, revokedAt: r.revokedAt?.toISOString() ?? null,
});
