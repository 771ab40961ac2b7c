import { createTestDatabase } from '../../../test/support/test-postgres';
import { ExternalPostgresServer } from './server/external-postgres.server';
import { describeStoreContract } from './store.contract';

describeStoreContract('a PostgreSQL server given by URL (DATABASE_URL)', async () => {
  const db = await createTestDatabase();
  const server = new ExternalPostgresServer(db.url);
  await server.start();
  return { server, dispose: async () => { await server.stop(); await db.drop(); } };
});
