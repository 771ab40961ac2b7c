import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@tributary/config';
import { asTenantId, Database, SecretBox, TenantsRepository } from '@tributary/store';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { waitForLeaders } from '@tributary/eventlog';
import { createTenantTopics } from './create-topics';

/** `npm run topics:create` on the engines' single broker: the topics carry the configured replication. */
describe('createTenantTopics', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const admin = new Kafka({ clientId: 'create-topics-spec', brokers, logLevel: logLevel.NOTHING }).admin();
  const encryptionKey = randomBytes(32).toString('base64');
  let test: Awaited<ReturnType<typeof createTestDatabase>>;
  const prefixes: string[] = [];
  const config = (settings: Record<string, string>) => {
    const prefix = `topics${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    return loadConfig({ KAFKA_BROKERS: brokers.join(','), DATABASE_URL: test.url, TRIBUTARY_ENCRYPTION_KEY: encryptionKey,
      KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '2', KAFKA_RETENTION_HOURS: '5', ...settings });
  };
  const topicsOf = async (prefix: string) => (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)).sort();

  beforeAll(async () => {
    await admin.connect();
    test = await createTestDatabase();
    const db = await Database.open({ url: test.url, appRole: 'tributary_app', poolSize: 1, secrets: new SecretBox(encryptionKey) });
    await new TenantsRepository(db).insert({ id: asTenantId('initech'), name: 'Initech', placement: 'schema', dataSchema: 'tenant_initech', databaseUrlSealed: null });
    await db.provision({ tenantId: asTenantId('initech'), placement: 'schema', dataSchema: 'tenant_initech' });
    await db.close();
  });
  afterAll(async () => {
    for (const prefix of prefixes) {
      const topics = await topicsOf(prefix);
      if (topics.length > 0) await admin.deleteTopics({ topics });
    }
    await admin.disconnect();
    await test.drop();
  });

  it('creates each stream\'s topic, pooled and per tenant, with the configured replication factor and min.insync.replicas', async () => {
    const c = config({ KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '1' });
    const created = await createTenantTopics(c);
    // every stream, for the pooled tenants and for the tenant in its own schema
    const streams = ['changes', 'dead-letters', 'inbound', 'incident-facts', 'incidents'];
    expect(created).toEqual(['initech', 'pooled'].flatMap((owner) => streams.map((s) => `${c.topicPrefix}.${owner}.${s}.v1`)));
    expect(await topicsOf(c.topicPrefix)).toEqual(created);

    const { topics } = await admin.fetchTopicMetadata({ topics: created });
    for (const t of topics) {
      expect(t.partitions).toHaveLength(2);
      // led on return: a producer or consumer started right after creation finds each partition's leader
      for (const p of t.partitions) { expect(p.replicas).toHaveLength(1); expect(p.leader).toBeGreaterThanOrEqual(0); }
    }
    const described = await admin.describeConfigs({ includeSynonyms: false,
      resources: created.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas', 'retention.ms'] })) });
    for (const r of described.resources) {
      // set on the topic itself, not inherited from the broker's default
      expect(r.configEntries.map((e) => [e.configName, e.configValue, e.isDefault]).sort()).toEqual([
        ['min.insync.replicas', '1', false], ['retention.ms', String(5 * 3_600_000), false]]);
    }
    expect(await createTenantTopics(c)).toEqual([]);
  });

  it('refuses a replication factor larger than the cluster, naming both numbers, and creates nothing', async () => {
    const c = config({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
    await expect(createTenantTopics(c)).rejects.toThrow(/replication factor 3 needs at least 3 brokers, and the cluster has 1: set KAFKA_REPLICATION_FACTOR/);
    expect(await topicsOf(c.topicPrefix)).toEqual([]);
  });

  it('waits through the broker\'s "does not host this topic-partition" for a topic\'s metadata, and then names what it still waited for', async () => {
    // a topic nobody creates answers UNKNOWN_TOPIC_OR_PARTITION throughout, like a just-created one for its first moments
    const never = `topics${randomBytes(4).toString('hex')}.never`;
    const started = Date.now();
    await expect(waitForLeaders(admin, [never], 1, 1_500)).rejects.toThrow(
      /topics created but not ready after 1500 ms: still waiting for metadata \(This server does not host this topic-partition\)/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });
});
