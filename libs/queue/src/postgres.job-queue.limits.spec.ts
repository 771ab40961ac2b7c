import { startSilentServer } from '../../../test/support/silent-server';
import { PostgresJobQueue } from './postgres.job-queue';

describe('PostgresJobQueue session limits', () => {
  it('gives up opening on a server that accepts connections and never answers after the connect timeout', async () => {
    const silent = await startSilentServer();
    try {
      await expect(PostgresJobQueue.open({ connectionString: silent.url(), session: { connectionTimeoutMillis: 500 }, onDead: async () => undefined }))
        .rejects.toThrow(/timeout/);
    } finally {
      await silent.close();
    }
  });
});
