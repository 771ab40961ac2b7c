import { DynamicModule, Global, Module } from '@nestjs/common';
import { Metrics } from '@tributary/observability';
import { Database, SecretBox } from '@tributary/store';
import { ConsumerWatch } from './consumer-watch';
import { HealthController } from './health.controller';
import { Runtime } from './runtime';
import { registerRuntimeGauges } from './runtime-gauges';

export const RUNTIME = Symbol('RUNTIME');

/** Makes a started Runtime (and the watch of the process's consumers) injectable, and serves health, readiness and metrics, in every app. */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime, app: string): DynamicModule {
    const metrics = new Metrics(app);
    const consumers = new ConsumerWatch(runtime.config.stallSeconds * 1000);
    registerRuntimeGauges(metrics, runtime, consumers);
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: Database, useValue: runtime.database },
        { provide: SecretBox, useValue: runtime.secrets },
        { provide: Metrics, useValue: metrics },
        { provide: ConsumerWatch, useValue: consumers },
      ],
      exports: [RUNTIME, Database, SecretBox, Metrics, ConsumerWatch],
    };
  }
}
