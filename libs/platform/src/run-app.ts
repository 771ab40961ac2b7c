import { ConsoleLogger, DynamicModule, INestApplication, Module } from '@nestjs/common';
import { ConfigError, loadConfig } from '@tributary/config';
import { Metrics } from '@tributary/observability';
import { DomainModule } from './domain.module';
import { createHttpApp } from './http/http-app';
import { serveMetrics } from './metrics-server';
import { PlatformModule } from './platform.module';
import { RetentionModule } from './retention.module';
import { Runtime, startRuntime, stopRuntime } from './runtime';

export interface AppParts {
  /** The app's name, for logs and the `app` label of its metrics. */
  name: string;
  /** The app's modules, given the started runtime. */
  modules: (runtime: Runtime) => DynamicModule[];
  /**
   * Runs once the store is up, before the app listens (e.g. the first-start bootstrap). What it
   * returns is a notice for the operator (a secret shown once): printed on the terminal at the end
   * of start-up, never logged.
   */
  onReady?: (app: INestApplication, logger: ConsoleLogger) => Promise<string | undefined>;
  /** Opens the embedded analytics engine when CLICKHOUSE_URL is unset (see RuntimeOptions): the all-in-one platform only. */
  embeddedAnalytics?: boolean;
  /** Serves the web console at /console/ (the processes that serve the public API). */
  console?: boolean;
}

/** Builds the Nest app of one process: the platform module plus the app's own modules. */
export async function buildApp(parts: AppParts, runtime: Runtime, logger: ConsoleLogger | false): Promise<INestApplication> {
  @Module({ imports: [PlatformModule.forRuntime(runtime, parts.name), DomainModule.forRuntime(runtime), RetentionModule, ...parts.modules(runtime)] })
  class AppModule {}
  const { maxBodyBytes, maxWebhookBytes, httpRequestTimeoutMs, httpConnectionTimeoutMs, httpKeepAliveTimeoutMs } = runtime.config;
  return createHttpApp(AppModule, { maxBodyBytes, maxWebhookBytes, logger, console: parts.console,
    timeouts: { requestMs: httpRequestTimeoutMs, connectionMs: httpConnectionTimeoutMs, keepAliveMs: httpKeepAliveTimeoutMs } });
}

/**
 * The entry point of every app: read the configuration (failing fast with what to set), start the
 * store, serve HTTP (and metrics on METRICS_PORT when set), print the app's notice, and on
 * SIGINT/SIGTERM close the app and stop what this process started.
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
  const runtime = await startRuntime(config, (line) => logger.debug(line, 'postgres'), { embeddedAnalytics: parts.embeddedAnalytics });
  logger.log(`store: ${runtime.postgres.describe()}`);
  const app = await buildApp(parts, runtime, logger);
  const notice = await parts.onReady?.(app, logger);
  await app.listen(config.port, config.host);
  const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(app.get(Metrics), config.metricsPort, config.metricsHost);
  logger.log(`${parts.name} listening on http://${config.host}:${config.port} (OpenAPI at /docs; metrics at ${metricsServer?.url ?? '/metrics, with a credential'})`);
  // stderr: stdout carries the JSON log, and a log collector must not keep the secret
  if (notice) process.stderr.write(banner(notice));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    await metricsServer?.close();
    await app.close();
    await stopRuntime(runtime);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** A notice framed so that it stands out of the log lines around it. */
const banner = (notice: string) => {
  const rule = '='.repeat(78);
  return `\n${rule}\n${notice.trimEnd()}\n${rule}\n\n`;
};

const ORDER = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
const levelsFrom = (lowest: (typeof ORDER)[number]) => ORDER.slice(0, ORDER.indexOf(lowest) + 1) as unknown as typeof ORDER[number][];
