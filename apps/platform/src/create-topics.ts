import 'reflect-metadata';
import { Config, loadConfig, tenantLoginOf } from '@tributary/config';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { Database, SecretBox, TenantsRepository } from '@tributary/store';

/**
 * Creates the Kafka topics of every stream, for the pooled tenants and for each tenant placed in its
 * own schema or database, with the configured partitions, retention, replication factor and
 * `min.insync.replicas`; returns the names it created. Topics are never created implicitly (brokers
 * run with auto.create.topics.enable=false).
 */
export async function createTenantTopics(config: Config): Promise<string[]> {
  if (!config.kafkaBrokers || !config.databaseUrl || !config.encryptionKey) {
    throw new Error('set KAFKA_BROKERS, DATABASE_URL and TRIBUTARY_ENCRYPTION_KEY');
  }
  const database = await Database.open({ url: config.databaseUrl, appRole: config.appRole, poolSize: 1, secrets: new SecretBox(config.encryptionKey),
    tenantLogin: tenantLoginOf(config) });
  try {
    const tenants = await new TenantsRepository(database).list();
    const names = new Set(STREAMS.map((s) => topicOf(s, 'pooled' as never, 'pooled', config.topicPrefix)));
    for (const t of tenants) for (const s of STREAMS) names.add(topicOf(s, t.id, t.placement, config.topicPrefix));
    return await createTopics(config.kafkaBrokers.split(','), [...names].sort(), config.kafkaPartitions, config.kafkaRetentionHours * 3_600_000,
      { factor: config.kafkaReplicationFactor, minInsync: config.kafkaMinInsyncReplicas });
  } finally {
    await database.close();
  }
}

/** `npm run topics:create` */
if (require.main === module) {
  createTenantTopics(loadConfig()).then(
    (created) => console.log(created.length ? `created ${created.join(', ')}` : 'all topics exist'),
    (err) => {
      console.error(String(err instanceof Error ? err.message : err));
      process.exit(1);
    });
}
