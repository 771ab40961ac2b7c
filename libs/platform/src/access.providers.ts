import { Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccessGuard, OIDC_SETTINGS, OidcEnabled, OidcSettings, OidcStrategy, parseGroupRoles } from '@tributary/auth';
import { Config } from '@tributary/config';
import { DomainErrorBodyFilter } from './http/domain-error-body.filter';

/**
 * Authentication and authorization of every process's routes (the API's, and /metrics in every
 * process): the access guard, the OIDC strategy when an issuer is configured, and the error body of
 * what the guard refuses.
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
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_FILTER, useClass: DomainErrorBodyFilter },
  ];
}
