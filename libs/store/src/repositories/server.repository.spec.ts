import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createTestDatabase } from '../../../../test/support/test-postgres';
import { Database } from '../database';
import { SecretBox } from '../secret-box';
import { ServerRepository } from './server.repository';

/** What the benchmarks read of the server for the cost model: bytes and rows per table, records per stream, on a real PostgreSQL. */
describe(ServerRepository.name, () => {
  let home: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let admin: Pool;
  let server: ServerRepository;

  beforeAll(async () => {
    home = await createTestDatabase();
    db = await Database.open({ url: home.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
    admin = new Pool({ connectionString: home.url, max: 1 });
    server = new ServerRepository(db);
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
    await home?.drop();
  });

  const append = (stream: string, count: number, bytes: number) => admin.query(
    `INSERT INTO tributary.event_log (stream, tenant_id, key, value) SELECT $1, 'default', 'k' || n, convert_to(repeat('x', $3::int), 'UTF8')
     FROM generate_series(1, $2::int) n`, [stream, count, bytes]);

  describe('tableFootprint', () => {
    it('gives the exact rows and the bytes on disk of each table asked for, leaving out the empty and the unknown', async () => {
      await append('inbound', 300, 200);
      const footprint = await server.tableFootprint(['event_log', 'dead_letters', 'no_such_table']);
      expect(footprint).toHaveLength(1);
      const [log] = footprint;
      expect(log).toMatchObject({ table: 'event_log', rows: 300 });
      // at least the values themselves, in heap pages and the primary key's index
      expect(log.bytes).toBeGreaterThanOrEqual(300 * 200);
    });

    it('grows with the rows written', async () => {
      const [before] = await server.tableFootprint(['event_log']);
      await append('changes', 2000, 200);
      const [after] = await server.tableFootprint(['event_log']);
      expect(after.rows).toBe(before.rows + 2000);
      expect(after.bytes).toBeGreaterThan(before.bytes + 2000 * 200);
    });
  });

  describe('eventLogRecords', () => {
    it('counts the records of one stream of the event log, not the others\'', async () => {
      const [inbound, changes] = [await server.eventLogRecords('inbound'), await server.eventLogRecords('changes')];
      await append('inbound', 7, 10);
      expect(await server.eventLogRecords('inbound')).toBe(inbound + 7);
      expect(await server.eventLogRecords('changes')).toBe(changes);
      expect(await server.eventLogRecords('no-such-stream')).toBe(0);
    });
  });
});
