import { DynamicModule, Global, Module } from '@nestjs/common';
import { Metrics } from '@tributary/observability';
import { Database, SecretBox } from '@tributary/store';
import { HealthController } from './health.controller';
import { Runtime } from './runtime';
import { registerRuntimeGauges } from './runtime-gauges';

export const RUNTIME = Symbol('RUNTIME');

/** Makes a started Runtime injectable, and serves health, readiness and metrics, in every app. */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime, app: string): DynamicModule {
    const metrics = new Metrics(app);
    registerRuntimeGauges(metrics, runtime);
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: Database, useValue: runtime.database },
        { provide: SecretBox, useValue: runtime.secrets },
        { provide: Metrics, useValue: metrics },
      ],
      exports: [RUNTIME, Database, SecretBox, Metrics],
    };
  }
}
