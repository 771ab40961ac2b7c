import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Config, loadConfig } from '@tributary/config';
import { AppParts, buildApp, Runtime, startRuntime, stopRuntime } from '@tributary/platform';
import { apiApp } from '../../apps/api/src/api.app';
import { createTestDatabase } from './test-postgres';

export interface TestApp {
  app: INestApplication;
  runtime: Runtime;
  /** supertest against the app's HTTP server */
  http: () => ReturnType<typeof request>;
  /** the bootstrap key: admin of tenant `default`, platform admin */
  adminKey: string;
  databaseUrl: string;
  /** the app's own data directory (the embedded analytics engine's data, for an app that opens it) */
  dataDir: string;
  /** stops the app and its runtime, keeping its database and data directory (to run a command on them) */
  stop: () => Promise<void>;
  /** stops what is still running and removes the database and the data directory */
  close: () => Promise<void>;
}

export const newApiKey = () => `trb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;

/**
 * The api app (or the parts given) on a fresh database of the test PostgreSQL and a data directory of
 * its own, through the same composition as `npm run start:api` (DATABASE_URL mode), with a known
 * bootstrap key. The all-in-one platform opens its embedded analytics engine there, as `npm start` does.
 */
export async function startTestApp(opts: { parts?: AppParts; config?: Partial<Config> } = {}): Promise<TestApp> {
  const parts = opts.parts ?? apiApp;
  const db = await createTestDatabase();
  const adminKey = newApiKey();
  // a directory per app: the embedded analytics engine keeps its data there, and a test's must not meet another's
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-test-app-'));
  const config = loadConfig({}, {
    databaseUrl: db.url, encryptionKey: randomBytes(32).toString('base64'), bootstrapAdminKey: adminKey, dbPoolSize: 5, dataDir,
    ...opts.config,
  });
  const runtime = await startRuntime(config, () => {}, { embeddedAnalytics: parts.embeddedAnalytics });
  const app = await buildApp(parts, runtime, false);
  await parts.onReady?.(app, new ConsoleLogger());
  await app.init();
  // Fastify registers routes and plugins when it is ready; listen() waits for that, supertest does not.
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    await app.close();
    await stopRuntime(runtime);
  })());
  return {
    app, runtime, adminKey, databaseUrl: db.url, dataDir,
    http: () => request(server),
    stop,
    close: async () => {
      await stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const enc = encodeURIComponent;
