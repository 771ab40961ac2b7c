import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { forbidden, malformed, unauthenticated } from '@tributary/errors';
import { asTenantId, TENANT_ID_PATTERN, TenantId } from '@tributary/store';
import { PLATFORM_ADMIN, PUBLIC, REQUIRED_ROLES } from './access.decorators';
import { ApiKeyService } from './api-key.service';
import { Access, Principal } from './principal';
import { RateLimiter } from './rate-limiter';
import { hasAnyRole, PLATFORM_ROLES, Role } from './roles';

/** Present (as a provider) when OIDC is configured. */
export class OidcEnabled {}

/** The per-credential rate limit (a RateLimiter), when the app provides one. */
export const CREDENTIAL_RATE_LIMITER = Symbol('CREDENTIAL_RATE_LIMITER');

/** passport-jwt's failures, turned into our error; the whole reason goes to the log only. */
class OidcGuard extends AuthGuard('oidc') {
  private readonly logger = new Logger('oidc');

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err || !user) {
      const reason = info instanceof Error ? info : err;
      this.logger.warn(`bearer token rejected: ${reason instanceof Error ? reason.message : 'no reason given'}`);
      throw unauthenticated('invalid_token', `bearer token rejected: ${publicReason(reason)}`);
    }
    return user;
  }
}

const JWT_ERRORS = ['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'];

/**
 * What a 401 may say about a rejected token: jsonwebtoken's reason without what it expected (the
 * issuer, the audience: the platform's configuration is none of the caller's business); any other
 * failure (the issuer's keys cannot be fetched, say) only "token rejected".
 */
function publicReason(reason: unknown): string {
  if (!(reason instanceof Error) || !JWT_ERRORS.includes(reason.name)) return 'token rejected';
  return reason.message.split(/\. expected|: /)[0];
}

/**
 * Authentication and authorization for every route, in one place. A route declares what it needs
 * with @Public, @RequireRole or @RequirePlatformAdmin; a route that declares nothing is refused, so a
 * new route cannot be open by accident. The tenant comes from the credential; X-Tenant-Id only picks
 * among the tenants the credential grants. Each verified credential (API key or OIDC subject) has
 * its own rate limit; requests that fail authentication spend nobody's.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly oidc?: OidcGuard;

  constructor(private readonly reflector: Reflector, private readonly apiKeys: ApiKeyService,
    @Optional() oidcEnabled?: OidcEnabled, @Optional() @Inject(CREDENTIAL_RATE_LIMITER) private readonly limiter?: RateLimiter) {
    if (oidcEnabled) this.oidc = new OidcGuard();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const meta = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, [context.getHandler(), context.getClass()]);
    if (meta<boolean>(PUBLIC)) return true;
    const required = meta<Role[]>(REQUIRED_ROLES);
    const platformAdmin = meta<boolean>(PLATFORM_ADMIN);
    if (!required && !platformAdmin) throw forbidden('route_not_declared', 'this route declares no access rule');

    const req = context.switchToHttp().getRequest();
    const principal = await this.authenticate(context, req.headers.authorization as string | undefined);
    this.limiter?.take(principal.actor);
    const tenantId = selectTenant(principal, req.headers['x-tenant-id'] as string | undefined);
    const roles = [...principal.grants.get(tenantId) ?? [], ...(principal.platformAdmin ? PLATFORM_ROLES : [])];
    if (platformAdmin && !principal.platformAdmin) {
      throw forbidden('platform_admin_required', 'this operation needs a platform admin credential');
    }
    if (required && !hasAnyRole(roles, required)) {
      throw forbidden('role_required', `this operation needs the role ${required.join(' or ')} in tenant ${tenantId}; the credential has ${roles.length ? roles.join(', ') : 'no role'}`,
        { required, granted: roles, tenant: tenantId });
    }
    req.access = { principal, tenantId, roles } satisfies Access;
    return true;
  }

  private async authenticate(context: ExecutionContext, header: string | undefined): Promise<Principal> {
    if (!header) throw unauthenticated('credential_required', 'send Authorization: Bearer <API key or OIDC access token>');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthenticated('malformed_authorization', 'the Authorization header must be "Bearer <credential>"');
    const credential = m[1];
    if (credential.startsWith('trb_')) {
      const result = await this.apiKeys.authenticate(credential);
      if (typeof result === 'string') {
        throw unauthenticated(`api_key_${result}`, {
          malformed: 'the API key is malformed', unknown: 'the API key is not valid',
          revoked: 'the API key has been revoked', expired: 'the API key has expired',
        }[result]);
      }
      return result;
    }
    if (!this.oidc) throw unauthenticated('invalid_token', 'bearer token rejected: OIDC is not configured; use an API key');
    await this.oidc.canActivate(context);
    return context.switchToHttp().getRequest().user as Principal;
  }
}


function selectTenant(principal: Principal, header: string | undefined): TenantId {
  const granted = [...principal.grants.keys()];
  if (header !== undefined) {
    if (!TENANT_ID_PATTERN.test(header)) throw malformed('invalid_tenant_header', 'X-Tenant-Id is not a tenant id');
    const tenant = asTenantId(header);
    if (!principal.grants.has(tenant)) throw forbidden('tenant_not_granted', `the credential does not grant tenant ${header}`);
    return tenant;
  }
  if (granted.length === 1) return granted[0];
  if (granted.length === 0) throw forbidden('no_tenant_granted', 'the credential grants no tenant');
  throw malformed('tenant_required', `the credential grants several tenants; choose one with X-Tenant-Id (${granted.join(', ')})`);
}
