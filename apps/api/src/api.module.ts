import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard, OIDC_SETTINGS, OidcEnabled, OidcSettings, OidcStrategy, parseGroupRoles } from '@tributary/auth';
import { Config } from '@tributary/config';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AssetsController } from './controllers/assets.controller';
import { BackfillsController } from './controllers/backfills.controller';
import { ChangesController } from './controllers/changes.controller';
import { ClassificationsController } from './controllers/classifications.controller';
import { ConnectorsController } from './controllers/connectors.controller';
import { DeadLettersController } from './controllers/dead-letters.controller';
import { ExpressionsController } from './controllers/expressions.controller';
import { HooksController } from './controllers/hooks.controller';
import { IncidentsController } from './controllers/incidents.controller';
import { LineageController } from './controllers/lineage.controller';
import { RulesController } from './controllers/rules.controller';
import { TenantsController } from './controllers/tenants.controller';
import { DomainErrorFilter } from './http/domain-error.filter';

/** The HTTP API: controllers over the catalog services, one guard for access, one filter for errors. */
@Module({})
export class ApiModule {
  static register(config: Config): DynamicModule {
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
    return {
      module: ApiModule,
      imports: [PassportModule],
      controllers: [AssetsController, ClassificationsController, LineageController, ChangesController, ApiKeysController, TenantsController,
        ConnectorsController, HooksController, IncidentsController, DeadLettersController, BackfillsController, RulesController,
        ExpressionsController],
      providers: [
        ...oidc,
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
