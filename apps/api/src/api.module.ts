import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import {
  AccessGuard, ApiKeyService, OIDC_SETTINGS, OidcEnabled, OidcSettings, OidcStrategy, parseGroupRoles,
} from '@tributary/auth';
import { AssetsService, ChangeFeedService, ClassificationsService, LineageService } from '@tributary/catalog';
import { Config } from '@tributary/config';
import { ApiKeysRepository, Database, SecretBox, TenantsRepository } from '@tributary/store';
import { TenantsService } from '@tributary/tenancy';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AssetsController } from './controllers/assets.controller';
import { ChangesController } from './controllers/changes.controller';
import { ClassificationsController } from './controllers/classifications.controller';
import { LineageController } from './controllers/lineage.controller';
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
    const service = <T>(cls: new (db: Database) => T) => ({ provide: cls, useFactory: (db: Database) => new cls(db), inject: [Database] });
    return {
      module: ApiModule,
      imports: [PassportModule],
      controllers: [AssetsController, ClassificationsController, LineageController, ChangesController, ApiKeysController, TenantsController],
      providers: [
        ...oidc,
        service(AssetsService), service(ClassificationsService), service(LineageService), service(ChangeFeedService),
        { provide: ApiKeysRepository, useFactory: (db: Database) => new ApiKeysRepository(db), inject: [Database] },
        { provide: TenantsRepository, useFactory: (db: Database) => new TenantsRepository(db), inject: [Database] },
        { provide: ApiKeyService, useFactory: (keys: ApiKeysRepository) => new ApiKeyService(keys), inject: [ApiKeysRepository] },
        { provide: TenantsService, useFactory: (db: Database, t: TenantsRepository, k: ApiKeyService, s: SecretBox) => new TenantsService(db, t, k, s),
          inject: [Database, TenantsRepository, ApiKeyService, SecretBox] },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
      exports: [TenantsService],
    };
  }
}
