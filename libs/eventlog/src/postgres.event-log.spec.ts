import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Database, SecretBox } from '@tributary/store';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { describeEventLogContract } from './event-log.contract';
import { PostgresEventLog } from './postgres.event-log';

describeEventLogContract('PostgreSQL (embedded default)', async () => {
  const db = await createTestDatabase();
  // the control-plane migrations create the log's tables
  const database = await Database.open({ url: db.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
  await database.close();
  const log = new PostgresEventLog(db.url);
  return {
    log,
    appendLate: async (stream, r) => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      await client.query('BEGIN');
      await client.query(`INSERT INTO tributary.event_log (stream, tenant_id, key, value, headers) VALUES ($1, $2, $3, $4, $5)`,
        [stream, r.tenantId, r.key, r.value, JSON.stringify(r.headers)]);
      return { release: async () => { await client.query('COMMIT'); await client.end(); } };
    },
    dispose: db.drop,
  };
});
