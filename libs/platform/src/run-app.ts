import { ConsoleLogger, DynamicModule, INestApplication, Module } from '@nestjs/common';
import { ConfigError, loadConfig } from '@tributary/config';
import { DomainModule } from './domain.module';
import { createHttpApp } from './http/http-app';
import { PlatformModule } from './platform.module';
import { RetentionModule } from './retention.module';
import { Runtime, startRuntime, stopRuntime } from './runtime';

export interface AppParts {
  /** The app's name, for logs and the `app` label of its metrics. */
  name: string;
  /** The app's modules, given the started runtime. */
  modules: (runtime: Runtime) => DynamicModule[];
  /** Runs once the store is up, before the app listens (e.g. the first-start bootstrap). */
  onReady?: (app: INestApplication, logger: ConsoleLogger) => Promise<void>;
}

/** Builds the Nest app of one process: the platform module plus the app's own modules. */
export async function buildApp(parts: AppParts, runtime: Runtime, logger: ConsoleLogger | false): Promise<INestApplication> {
  @Module({ imports: [PlatformModule.forRuntime(runtime, parts.name), DomainModule.forRuntime(runtime), RetentionModule, ...parts.modules(runtime)] })
  class AppModule {}
  const { maxBodyBytes, maxWebhookBytes, httpRequestTimeoutMs, httpConnectionTimeoutMs, httpKeepAliveTimeoutMs } = runtime.config;
  return createHttpApp(AppModule, { maxBodyBytes, maxWebhookBytes, logger,
    timeouts: { requestMs: httpRequestTimeoutMs, connectionMs: httpConnectionTimeoutMs, keepAliveMs: httpKeepAliveTimeoutMs } });
}

/**
 * The entry point of every app: read the configuration (failing fast with what to set), start the
 * store, serve HTTP, and on SIGINT/SIGTERM close the app and stop what this process started.
 */
export async function runApp(parts: AppParts): Promise<void> {
  const logger = new ConsoleLogger(parts.name, { json: true });
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  logger.setLogLevels(levelsFrom(config.logLevel));
  const runtime = await startRuntime(config, (line) => logger.debug(line, 'postgres'));
  logger.log(`store: ${runtime.postgres.describe()}`);
  const app = await buildApp(parts, runtime, logger);
  await parts.onReady?.(app, logger);
  await app.listen(config.port, config.host);
  logger.log(`${parts.name} listening on http://${config.host}:${config.port} (OpenAPI at /docs)`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    await app.close();
    await stopRuntime(runtime);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const ORDER = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
const levelsFrom = (lowest: (typeof ORDER)[number]) => ORDER.slice(0, ORDER.indexOf(lowest) + 1) as unknown as typeof ORDER[number][];
