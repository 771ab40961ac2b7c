import { createTestDatabase } from '../../../test/support/test-postgres';
import { describeJobQueueContract } from './job-queue.contract';
import { PostgresJobQueue } from './postgres.job-queue';

describeJobQueueContract('pg-boss on PostgreSQL', async () => {
  const db = await createTestDatabase();
  return {
    // 500 ms is pg-boss's shortest polling interval: how soon a retry or delayed job is seen once due.
    open: ({ prefix, onDead, onError }) => PostgresJobQueue.open({ connectionString: db.url, prefix, pollIntervalMs: 500, onDead, onError }),
    dispose: () => db.drop(),
  };
});
