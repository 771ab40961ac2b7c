import 'reflect-metadata';
import { Config, loadConfig, tenantLoginOf } from '@tributary/config';
import { applySupervisors, AvroDecoding, DruidOverlord, incidentFactsSupervisors, TenantPlacement } from '@tributary/druid-ingestion';
import { Database, SecretBox, TenantsRepository } from '@tributary/store';

const USAGE = 'usage: npm run druid:specs -- print|apply [--decoding tributary-avro|avro-extension]';

/** Every tenant's placement: which datasource its facts go to, which topics the pooled one reads. */
async function tenantPlacements(config: Config): Promise<TenantPlacement[]> {
  if (!config.databaseUrl || !config.encryptionKey) throw new Error('set DATABASE_URL and TRIBUTARY_ENCRYPTION_KEY (the tenants decide the datasources)');
  const database = await Database.open({ url: config.databaseUrl, appRole: config.appRole, poolSize: 1, secrets: new SecretBox(config.encryptionKey),
    tenantLogin: tenantLoginOf(config) });
  try {
    return (await new TenantsRepository(database).list()).map((t) => ({ id: t.id, placement: t.placement }));
  } finally {
    await database.close();
  }
}

function decodingOf(args: string[], config: Config): AvroDecoding {
  const at = args.indexOf('--decoding');
  const kind = at === -1 ? 'tributary-avro' : args[at + 1];
  if (kind === 'tributary-avro') return { kind, registryUrl: config.schemaRegistryUrl };
  if (kind === 'avro-extension') {
    if (!config.schemaRegistryUrl) throw new Error('--decoding avro-extension reads Confluent-framed topics: set SCHEMA_REGISTRY_URL');
    return { kind, registryUrl: config.schemaRegistryUrl };
  }
  throw new Error(`unknown decoding ${JSON.stringify(kind)}\n${USAGE}`);
}

/**
 * `npm run druid:specs -- print` writes the incident-facts supervisor specs of the deployment's
 * tenants; `apply` submits those that changed to the overlord (DRUID_OVERLORD_URL) and sets the
 * datasources' retention rules. Run `apply` again after provisioning a dedicated tenant (a schema
 * tenant's topic is read by the pooled pattern without it).
 */
async function main(args: string[]): Promise<void> {
  const config = loadConfig();
  if (!config.kafkaBrokers) throw new Error('set KAFKA_BROKERS: Druid reads the incident-facts topics from it');
  const specs = incidentFactsSupervisors(await tenantPlacements(config),
    { topicPrefix: config.topicPrefix, kafkaBrokers: config.kafkaBrokers, decoding: decodingOf(args, config) });
  if (args[0] === 'print') {
    console.log(JSON.stringify(specs.map((s) => s.supervisor), null, 2));
  } else if (args[0] === 'apply') {
    const url = process.env.DRUID_OVERLORD_URL;
    if (!url) throw new Error('set DRUID_OVERLORD_URL (scripts/engines.sh env prints it while Druid runs)');
    const report = await applySupervisors(new DruidOverlord(url), config.topicPrefix, specs);
    for (const [what, ids] of Object.entries(report)) if (ids.length) console.log(`${what}: ${ids.join(', ')}`);
  } else {
    throw new Error(USAGE);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  });
}
