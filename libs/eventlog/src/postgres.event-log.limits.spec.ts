import { asTenantId } from '@tributary/store';
import { startSilentServer } from '../../../test/support/silent-server';
import { PostgresEventLog } from './postgres.event-log';

describe('PostgresEventLog session limits', () => {
  it('gives up on a server that accepts connections and never answers after the connect timeout: appending, reading lag', async () => {
    const silent = await startSilentServer();
    const log = new PostgresEventLog(silent.url(), { connectionTimeoutMillis: 500 });
    try {
      await expect(log.append('inbound', [{ tenantId: asTenantId('acme'), key: 'k', value: Buffer.from([0]), headers: {} }]))
        .rejects.toThrow(/timeout/);
      await expect(log.lag('ingestor', 'inbound')).rejects.toThrow(/timeout/);
    } finally {
      await log.close();
      await silent.close();
    }
  });
});
