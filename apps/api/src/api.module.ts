import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { AnalyticsStore, IncidentAnalytics } from '@tributary/analytics';
import { IncidentsService, PipelineLagService } from '@tributary/catalog';
import { ImpactService, IncidentAnalyticsService, LineageHotspotsService } from '@tributary/insights';
import { ANALYTICS_STORE, INCIDENT_ANALYTICS } from '@tributary/platform';
import { Database } from '@tributary/store';
import { AnalyticsController } from './controllers/analytics.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AssetsController } from './controllers/assets.controller';
import { BackfillsController } from './controllers/backfills.controller';
import { ChangesController } from './controllers/changes.controller';
import { ClassificationsController } from './controllers/classifications.controller';
import { ConnectorsController } from './controllers/connectors.controller';
import { DeadLettersController } from './controllers/dead-letters.controller';
import { DirectoryController } from './controllers/directory.controller';
import { ScimController } from './controllers/scim.controller';
import { DeliveriesController } from './controllers/deliveries.controller';
import { ExpressionsController } from './controllers/expressions.controller';
import { HooksController } from './controllers/hooks.controller';
import { IgnoredDeliveriesController } from './controllers/ignored-deliveries.controller';
import { ImpactController } from './controllers/impact.controller';
import { IncidentsController } from './controllers/incidents.controller';
import { LineageController } from './controllers/lineage.controller';
import { MetricsController } from './controllers/metrics.controller';
import { OpenLineageController } from './controllers/openlineage.controller';
import { RulesController } from './controllers/rules.controller';
import { SessionController } from './controllers/session.controller';
import { ConsoleController } from './controllers/console.controller';
import { TenantsController } from './controllers/tenants.controller';
import { DomainErrorFilter } from './http/domain-error.filter';
import { WebhookMetricsHooks } from './http/webhook-metrics.hooks';

/**
 * Impact and analytics answer from the process's analytics store, the incident trends and summary
 * from Druid instead when DRUID_URL is set; a process without one (the token holds null) still serves
 * the routes, with 503 `analytics_unavailable`.
 */
const insightsProviders = [
  { provide: ImpactService, inject: [Database, IncidentsService, ANALYTICS_STORE],
    useFactory: (db: Database, incidents: IncidentsService, store: AnalyticsStore | null) => new ImpactService(db, incidents, store) },
  { provide: LineageHotspotsService, inject: [ANALYTICS_STORE], useFactory: (store: AnalyticsStore | null) => new LineageHotspotsService(store) },
  { provide: IncidentAnalyticsService, inject: [INCIDENT_ANALYTICS], useFactory: (analytics: IncidentAnalytics | null) => new IncidentAnalyticsService(analytics) },
];

/**
 * The HTTP API: controllers over the catalog services, one filter for errors. The access guard (API
 * keys, OIDC) is the platform module's: every process has it.
 */
@Module({})
export class ApiModule {
  static register(): DynamicModule {
    return {
      module: ApiModule,
      controllers: [AssetsController, ClassificationsController, LineageController, ChangesController, ApiKeysController, TenantsController,
        ConnectorsController, HooksController, IncidentsController, DeadLettersController, DeliveriesController, IgnoredDeliveriesController, BackfillsController,
        RulesController, ExpressionsController, ImpactController, AnalyticsController, DirectoryController, ScimController, OpenLineageController,
        SessionController, ConsoleController, MetricsController],
      providers: [{ provide: APP_FILTER, useClass: DomainErrorFilter }, WebhookMetricsHooks, ...insightsProviders,
        { provide: PipelineLagService, inject: [Database], useFactory: (db: Database) => new PipelineLagService(db) }],
    };
  }
}
