import { Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import {
  AccessGuard, CREDENTIAL_RATE_LIMITER, OIDC_SETTINGS, OidcEnabled, OidcSettings, OidcStrategy, parseGroupRoles, RateLimiter,
} from '@tributary/auth';
import { Config } from '@tributary/config';
import { DomainErrorBodyFilter } from './http/domain-error-body.filter';

/**
 * Authentication and authorization of every process's routes (the API's, and /metrics in every
 * process): the access guard with its per-credential rate limit, the OIDC strategy when an issuer is
 * configured, and the error body of what the guard refuses.
 */
export function accessProviders(config: Config): Provider[] {
  const oidc = config.oidcIssuer
    ? [
        { provide: OIDC_SETTINGS, useValue: {
          issuer: config.oidcIssuer, audience: config.oidcAudience!,
          jwksUri: config.oidcJwksUri ?? `${config.oidcIssuer.replace(/\/$/, '')}/v1/keys`,
          tenantClaim: config.oidcTenantClaim, groupsClaim: config.oidcGroupsClaim,
          groupRoles: parseGroupRoles(config.oidcGroupRoles),
        } satisfies OidcSettings },
        OidcStrategy,
        { provide: OidcEnabled, useValue: new OidcEnabled() },
      ]
    : [];
  return [
    ...oidc,
    { provide: CREDENTIAL_RATE_LIMITER, useValue: new RateLimiter('credential', config.rateLimitPerCredential, config.rateLimitPerCredentialBurst) },
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_FILTER, useClass: DomainErrorBodyFilter },
  ];
}
