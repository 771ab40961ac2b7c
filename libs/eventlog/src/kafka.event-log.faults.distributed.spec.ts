import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { asTenantId } from '@tributary/store';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { createTopics, KafkaEventLog, topicOf } from './kafka.event-log';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const [host, port] = brokers[0].split(':');

/**
 * The broker is reached through a proxy that is closed when the event log is first used, then
 * opened: nothing that failed to connect may stay failed (the broker's advertised address is used
 * after the first metadata request, so the proxy matters for bootstrapping, as a broker that is not
 * up yet when the platform starts would).
 */
describe('KafkaEventLog with the broker down at first use', () => {
  const prefix = `tributary-test-${randomBytes(4).toString('hex')}`;
  const topic = topicOf('inbound', asTenantId('acme'), 'pooled', prefix);
  let proxy: TcpProxy;
  let log: KafkaEventLog;

  beforeAll(async () => {
    await createTopics(brokers, [topic], 2, 3_600_000);
    proxy = await TcpProxy.start({ host, port: Number(port) }, { listening: false });
    log = new KafkaEventLog({ brokers: [`127.0.0.1:${proxy.port}`], clientId: 'faults', topicPrefix: prefix, topicRefreshMs: 500,
      placementOf: async () => 'pooled' });
  });
  afterAll(async () => {
    await log.close();
    await proxy.down();
    const admin = new Kafka({ clientId: 'faults-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('fails an append while the broker cannot be reached, and appends once it can (the failed connect is not kept)', async () => {
    const record = (body: string) => ({ tenantId: asTenantId('acme'), key: 'k', value: Buffer.from(body), headers: {} });
    await expect(log.append('inbound', [record('while down')])).rejects.toThrow();
    await proxy.up();
    await log.append('inbound', [record('once up')]);
  });

  it('subscribes while the broker cannot be reached, and consumes once it can', async () => {
    await proxy.down();
    const errors: unknown[] = [];
    const seen: string[] = [];
    const sub = await log.subscribe('faults', 'inbound', async (batch) => { seen.push(...batch.map((r) => r.value.toString())); },
      { batchSize: 100, onError: (err) => errors.push(err) });
    try {
      // kafkajs retries a connect for about ten seconds before it fails: wait until a start has failed for good
      const until = (check: () => boolean) => new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 60_000;
        const look = () => (check() ? resolve() : Date.now() > deadline ? reject(new Error('timed out')) : setTimeout(look, 200));
        look();
      });
      await until(() => errors.length > 0);
      await proxy.up();
      await until(() => seen.includes('once up'));
    } finally {
      await sub.stop();
    }
  });
});
