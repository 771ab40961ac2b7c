import { DynamicModule, Global, Module } from '@nestjs/common';
import { Metrics } from '@tributary/observability';
import { Database, SecretBox } from '@tributary/store';
import { HealthController } from './health.controller';
import { Runtime } from './runtime';

export const RUNTIME = Symbol('RUNTIME');

/** Makes a started Runtime injectable, and serves health, readiness and metrics, in every app. */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime, app: string): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: Database, useValue: runtime.database },
        { provide: SecretBox, useValue: runtime.secrets },
        { provide: Metrics, useValue: new Metrics(app) },
      ],
      exports: [RUNTIME, Database, SecretBox, Metrics],
    };
  }
}
