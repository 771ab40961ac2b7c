import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, INestApplication } from '@nestjs/common';
import { Config, loadConfig } from '@tributary/config';
import { AppParts, buildApp, Runtime, startRuntime, stopRuntime } from '@tributary/platform';
import { freePort } from '../../test/support/free-port';
import { apiApp } from '../../apps/api/src/api.app';

/** An app serving HTTP on loopback, on its own embedded PostgreSQL in a throw-away data directory. */
export interface InProcessPlatform {
  runtime: Runtime;
  /** The Nest app, for what only it holds (its metrics registry). */
  app: INestApplication;
  baseUrl: string;
  /** The bootstrap key: admin of tenant `default`. */
  adminKey: string;
  /** Closes the app, stops PostgreSQL and deletes the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts an app (the api app unless told otherwise) the way `npm start` starts the platform (the
 * embedded PostgreSQL, the embedded analytics engine for the all-in-one platform, the app's composition, the first-start bootstrap), but inside this process,
 * on fresh ports and data. The environment is deliberately not read: a DATABASE_URL or pool size set
 * in the shell would silently change what is measured; what a suite needs otherwise (the outbound
 * policy letting deliveries reach local fakes) it passes as `config`, and states in its conditions.
 */
export async function startInProcessPlatform(parts: AppParts = apiApp, config: Partial<Config> = {}): Promise<InProcessPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  // mkdtemp makes the directory 0700; run as root, PostgreSQL runs as the OS user `postgres` and must
  // be able to reach its data directory below this one.
  chmodSync(dataDir, 0o755);
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  const adminKey = `trb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
  let runtime: Runtime;
  try {
    const loaded = loadConfig({}, { ...config, dataDir, embeddedPostgresPort: await freePort(), port: 0, bootstrapAdminKey: adminKey });
    runtime = await startRuntime(loaded, () => {}, { embeddedAnalytics: parts.embeddedAnalytics });
  } catch (err) {
    removeDataDir();
    throw err;
  }
  let app: INestApplication | undefined;
  const stop = async () => {
    try {
      await app?.close();
    } finally {
      await stopRuntime(runtime);
      removeDataDir();
    }
  };
  try {
    app = await buildApp(parts, runtime, false);
    await parts.onReady?.(app, new ConsoleLogger(parts.name));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { runtime, app, baseUrl: `http://127.0.0.1:${port}`, adminKey, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
