import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../../test/support/free-port';
import { EmbeddedPostgresServer } from './server/embedded-postgres.server';
import { describeStoreContract } from './store.contract';

describeStoreContract('the embedded PostgreSQL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-embedded-'));
  const server = new EmbeddedPostgresServer(dir, await freePort());
  await server.start();
  return { server, dispose: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
});

describe(EmbeddedPostgresServer.name, () => {
  it('keeps its data across a stop and a second start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-embedded-'));
    const port = await freePort();
    const query = async (server: EmbeddedPostgresServer, q: string) => {
      const c = new Client({ connectionString: server.connectionString() });
      await c.connect();
      try { return (await c.query(q)).rows; } finally { await c.end(); }
    };
    try {
      const first = new EmbeddedPostgresServer(dir, port);
      await first.start();
      await query(first, 'CREATE TABLE survivor (v text); INSERT INTO survivor VALUES (\'still here\')');
      await first.stop();

      const second = new EmbeddedPostgresServer(dir, port);
      await second.start();
      expect(await query(second, 'SELECT v FROM survivor')).toEqual([{ v: 'still here' }]);
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listens on loopback only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-embedded-'));
    const server = new EmbeddedPostgresServer(dir, await freePort());
    try {
      await server.start();
      const c = new Client({ connectionString: server.connectionString() });
      await c.connect();
      const { rows } = await c.query('SHOW listen_addresses');
      await c.end();
      expect(rows[0].listen_addresses).toBe('127.0.0.1');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
