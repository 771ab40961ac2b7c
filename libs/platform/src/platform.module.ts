import { DynamicModule, Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { Metrics } from '@tributary/observability';
import { Database, SecretBox } from '@tributary/store';
import { accessProviders } from './access.providers';
import { ConsumerWatch } from './consumer-watch';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { Runtime } from './runtime';
import { registerRuntimeGauges } from './runtime-gauges';

export const RUNTIME = Symbol('RUNTIME');
/**
 * The process's analytics store (`AnalyticsStore` of @tributary/analytics), or null where this process
 * has none: the embedded engine (chdb) opens one data directory per process, so only the all-in-one
 * platform uses it; split processes need CLICKHOUSE_URL.
 */
export const ANALYTICS_STORE = Symbol('ANALYTICS_STORE');
/** What answers the incident trends and summary (`IncidentAnalytics`): Druid with DRUID_URL, else the analytics store, or null. */
export const INCIDENT_ANALYTICS = Symbol('INCIDENT_ANALYTICS');

/**
 * Makes a started Runtime (and the watch of the process's consumers) injectable, guards every route
 * (API keys, OIDC), and serves health, readiness and (unless METRICS_PORT gives them a port of their
 * own) metrics, in every app.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime, app: string): DynamicModule {
    const metrics = new Metrics(app);
    const consumers = new ConsumerWatch(runtime.config.stallSeconds * 1000, metrics.eventsConsumed);
    registerRuntimeGauges(metrics, runtime, consumers);
    return {
      module: PlatformModule,
      imports: [PassportModule],
      controllers: [HealthController, ...(runtime.config.metricsPort === undefined ? [MetricsController] : [])],
      providers: [
        ...accessProviders(runtime.config),
        { provide: RUNTIME, useValue: runtime },
        { provide: Database, useValue: runtime.database },
        { provide: SecretBox, useValue: runtime.secrets },
        { provide: Metrics, useValue: metrics },
        { provide: ConsumerWatch, useValue: consumers },
        { provide: ANALYTICS_STORE, useValue: runtime.analytics },
        { provide: INCIDENT_ANALYTICS, useValue: runtime.incidentAnalytics },
      ],
      exports: [RUNTIME, Database, SecretBox, Metrics, ConsumerWatch, ANALYTICS_STORE, INCIDENT_ANALYTICS],
    };
  }
}
