import { randomBytes } from 'node:crypto';
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
  close: () => Promise<void>;
}

export const newApiKey = () => `trb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;

/**
 * The api app on a fresh database of the test PostgreSQL, through the same composition as
 * `npm run start:api` (DATABASE_URL mode), with a known bootstrap key.
 */
export async function startTestApp(opts: { parts?: AppParts; config?: Partial<Config> } = {}): Promise<TestApp> {
  const parts = opts.parts ?? apiApp;
  const db = await createTestDatabase();
  const adminKey = newApiKey();
  const config = loadConfig({}, {
    databaseUrl: db.url, encryptionKey: randomBytes(32).toString('base64'), bootstrapAdminKey: adminKey, dbPoolSize: 5,
    ...opts.config,
  });
  const runtime = await startRuntime(config);
  const app = await buildApp(parts, runtime, false);
  await parts.onReady?.(app, new ConsoleLogger());
  await app.init();
  // Fastify registers routes and plugins when it is ready; listen() waits for that, supertest does not.
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  return {
    app, runtime, adminKey, databaseUrl: db.url,
    http: () => request(server),
    close: async () => {
      await app.close();
      await stopRuntime(runtime);
      await db.drop();
    },
  };
}

export const enc = encodeURIComponent;
