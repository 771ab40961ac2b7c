import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { getJson, NodeOutboundHttp, OPERATOR_SERVICE_POLICY } from '@tributary/outbound';
import { TENANT_ID_PATTERN, TenantId } from '@tributary/store';
import { Principal } from './principal';
import { isRole, Role } from './roles';

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUri: string;
  tenantClaim: string;
  groupsClaim: string;
  /** group name -> role; a group named like a role maps to that role without an entry */
  groupRoles: Record<string, Role>;
}

export const OIDC_SETTINGS = Symbol('OIDC_SETTINGS');

/** The issuer's key set is the operator's configuration: any address, within the operator services' limits. */
const JWKS = { name: 'oidc-jwks', hosts: [] };
const JWKS_HTTP = new NodeOutboundHttp(OPERATOR_SERVICE_POLICY);

/**
 * OIDC bearer tokens (Okta or any OIDC provider), checked by passport-jwt against the issuer's JWKS:
 * signature (RS256 or ES256 only: no `none`, no HMAC with a public key), `iss`, `aud`, `exp` and
 * `nbf`. Keys are cached and re-fetched when a token names an unknown `kid` (key rotation).
 */
@Injectable()
export class OidcStrategy extends PassportStrategy(Strategy, 'oidc') {
  constructor(@Inject(OIDC_SETTINGS) private readonly settings: OidcSettings) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: settings.jwksUri, cache: true, cacheMaxAge: 10 * 60_000, rateLimit: true, jwksRequestsPerMinute: 10,
        // through the outbound port: a timeout, a size cap, no redirects
        fetcher: (uri) => getJson(JWKS_HTTP, uri, JWKS) as Promise<{ keys: unknown }>,
      }),
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ['RS256', 'ES256'],
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  validate(claims: Record<string, unknown>): Principal {
    return principalFromClaims(claims, this.settings);
  }
}

/** Tenants from the tenant claim (a string or a list), roles from the groups claim, for every tenant granted. */
export function principalFromClaims(claims: Record<string, unknown>, s: Pick<OidcSettings, 'tenantClaim' | 'groupsClaim' | 'groupRoles'>): Principal {
  const tenants = strings(claims[s.tenantClaim]).filter((t) => TENANT_ID_PATTERN.test(t)) as TenantId[];
  const roles = [...new Set(strings(claims[s.groupsClaim])
    .map((g) => (Object.hasOwn(s.groupRoles, g) ? s.groupRoles[g] : isRole(g) ? g : undefined))
    .filter((r): r is Role => r !== undefined))];
  return {
    kind: 'oidc',
    actor: `oidc:${typeof claims.sub === 'string' ? claims.sub : 'unknown'}`,
    grants: new Map(tenants.map((t) => [t, roles])),
    platformAdmin: false,
  };
}

const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function parseGroupRoles(spec: string): Record<string, Role> {
  // no prototype: a group called "constructor" or "__proto__" must be an ordinary key
  const map: Record<string, Role> = Object.create(null);
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const parts = pair.split('=').map((x) => x.trim());
    const [group, role] = parts;
    if (parts.length !== 2 || !group || !role || !isRole(role)) throw new Error(`OIDC_GROUP_ROLES: "${pair}" is not group=role with a known role`);
    map[group] = role;
  }
  return map;
}
