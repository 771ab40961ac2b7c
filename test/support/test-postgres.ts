import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { EmbeddedPostgresServer } from '../../libs/store/src/server/embedded-postgres.server';

/**
 * The PostgreSQL server the medium and end-to-end tiers use. TEST_DATABASE_URL names one; else the
 * machine's server on 127.0.0.1:5432 (as on CI); else, on a laptop with nothing installed, an
 * embedded server started for the run. Every suite gets a fresh database on it.
 */
const ADMIN_URL_ENV = 'TRIBUTARY_TEST_ADMIN_URL';

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    await client.end().catch(() => undefined);
    return false;
  }
}

/** Called once per run (jest globalSetup): picks or starts the server, records its admin URL. */
export async function chooseTestServer(): Promise<{ url: string; stop: () => Promise<void>; description: string }> {
  const candidates = [process.env.TEST_DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/postgres'].filter((u): u is string => !!u);
  for (const url of candidates) {
    if (await reachable(url)) return { url, stop: async () => {}, description: `PostgreSQL at ${new URL(url).host}` };
  }
  if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL ${process.env.TEST_DATABASE_URL} is not reachable`);
  const server = new EmbeddedPostgresServer(mkdtempSync(join(tmpdir(), 'tributary-test-pg-')), await freePort());
  await server.start();
  const url = server.connectionString().replace(/\/tributary$/, '/postgres');
  return { url, stop: () => server.stop(), description: `an embedded PostgreSQL (${server.describe()})` };
}

export const setAdminUrl = (url: string) => { process.env[ADMIN_URL_ENV] = url; };

/** A new, empty database on the test server; drop it with the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env[ADMIN_URL_ENV];
  if (!admin) throw new Error('the test PostgreSQL was not chosen: run through jest (globalSetup)');
  const name = `tributary_test_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
