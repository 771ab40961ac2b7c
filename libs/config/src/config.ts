import { z } from 'zod';

/**
 * The one configuration object. Every setting is read from the environment here and nowhere else,
 * validated at boot, and documented by its `describe` text (the README's configuration table).
 */
const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080)
    .describe('PORT: HTTP port of the api (0 picks a free port).'),
  host: z.string().default('0.0.0.0').describe('HOST: address the HTTP server binds to.'),
  dataDir: z.string().default('./.tributary')
    .describe('TRIBUTARY_DATA_DIR: where the embedded PostgreSQL keeps its data and the generated encryption key.'),
  databaseUrl: z.string().url().optional()
    .describe('DATABASE_URL: a PostgreSQL server to use instead of the embedded one (distributed mode).'),
  embeddedPostgresPort: z.coerce.number().int().min(1).max(65535).default(54329)
    .describe('TRIBUTARY_EMBEDDED_PG_PORT: loopback port of the embedded PostgreSQL.'),
  dbPoolSize: z.coerce.number().int().min(1).max(200).default(10)
    .describe('TRIBUTARY_DB_POOL_SIZE: connections per PostgreSQL pool.'),
  appRole: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('tributary_app')
    .describe('TRIBUTARY_DB_APP_ROLE: the PostgreSQL role every tenant transaction runs as; row-level security applies to it.'),
  encryptionKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes, base64').optional()
    .describe('TRIBUTARY_ENCRYPTION_KEY: base64 of 32 random bytes; encrypts secrets at rest. Required with DATABASE_URL; generated into the data directory otherwise. (sensitive)'),
  bootstrapAdminKey: z.string().regex(/^trb_[A-Za-z0-9]+_[A-Za-z0-9_-]{20,}$/, 'must look like trb_<id>_<secret>').optional()
    .describe('TRIBUTARY_BOOTSTRAP_ADMIN_KEY: the admin key of the default tenant created on first start; generated and printed once when unset. (sensitive)'),
  maxBodyBytes: z.coerce.number().int().min(1024).default(8 * 1024 * 1024)
    .describe('TRIBUTARY_MAX_BODY_BYTES: largest accepted request body; larger ones get 413.'),
  publicUrl: z.string().url().optional()
    .describe('TRIBUTARY_PUBLIC_URL: the address sources reach this platform at, used in webhook URLs (default http://localhost:<PORT>).'),
  maxWebhookBytes: z.coerce.number().int().min(1024).default(1024 * 1024)
    .describe('TRIBUTARY_MAX_WEBHOOK_BYTES: largest accepted webhook body; larger ones get 413.'),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// URL').optional()
    .describe('REDIS_URL: run jobs on BullMQ with this Redis (distributed mode) instead of the PostgreSQL-backed queue.'),
  kafkaBrokers: z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, 'comma-separated host:port list').optional()
    .describe('KAFKA_BROKERS: use Apache Kafka at these brokers for every log (inbound, changes) instead of the PostgreSQL-backed log.'),
  kafkaPartitions: z.coerce.number().int().min(1).max(1000).default(6)
    .describe('KAFKA_PARTITIONS: partitions of each topic `npm run topics:create` creates.'),
  kafkaRetentionHours: z.coerce.number().int().min(1).default(24 * 7)
    .describe('KAFKA_RETENTION_HOURS: retention of each topic `npm run topics:create` creates.'),
  topicPrefix: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/).default('tributary')
    .describe('KAFKA_TOPIC_PREFIX: first part of every topic name (`<prefix>.pooled.changes.v1`), so several deployments can share one Kafka cluster.'),
  schemaRegistryUrl: z.string().url().optional()
    .describe('SCHEMA_REGISTRY_URL: a Confluent-compatible schema registry (Confluent, or Apicurio at <url>/apis/ccompat/v7). Bodies on Kafka then use the Confluent wire format (0x00 + schema id), each schema registered under its record full name; without it, Avro single-object encoding (fingerprint). Needs KAFKA_BROKERS.'),
  changeCapture: z.enum(['relay', 'debezium']).default('relay')
    .describe('TRIBUTARY_CHANGE_CAPTURE: who copies the outbox into the change log: `relay` (in the propagator) or `debezium` (a Debezium connector fills the change topics; needs KAFKA_BROKERS, see docs/engines.md).'),
  queuePrefix: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/).default('tributary')
    .describe('TRIBUTARY_QUEUE_PREFIX: namespace of the job queues (BullMQ key prefix), so several deployments can share one Redis.'),
  jobAttempts: z.coerce.number().int().min(1).max(50).default(5)
    .describe('TRIBUTARY_JOB_ATTEMPTS: runs of a job before it is parked in the dead letters.'),
  jobBackoffMs: z.coerce.number().int().min(1).default(1000)
    .describe('TRIBUTARY_JOB_BACKOFF_MS: wait before a job\'s second run; doubles for each further run.'),
  oidcIssuer: z.string().url().optional()
    .describe('OIDC_ISSUER: issuer of accepted bearer tokens (e.g. https://acme.okta.com/oauth2/default). OIDC is off when unset.'),
  oidcAudience: z.string().optional().describe('OIDC_AUDIENCE: required `aud` of bearer tokens. Required with OIDC_ISSUER.'),
  oidcJwksUri: z.string().url().optional()
    .describe('OIDC_JWKS_URI: the issuer\'s JWKS; defaults to <OIDC_ISSUER>/v1/keys (Okta) when unset.'),
  oidcTenantClaim: z.string().default('tenant')
    .describe('OIDC_TENANT_CLAIM: claim naming the tenant (a string or a list of tenants).'),
  oidcGroupsClaim: z.string().default('groups').describe('OIDC_GROUPS_CLAIM: claim listing the groups mapped to roles.'),
  oidcGroupRoles: z.string().default('')
    .describe('OIDC_GROUP_ROLES: group=role pairs, comma separated (e.g. data-stewards=steward); a group named like a role maps to it.'),
  logLevel: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log').describe('LOG_LEVEL: lowest level logged.'),
  // stalls and tenant isolation (issue 10, points 5 and 6)
  stallSeconds: z.coerce.number().min(1).max(3600).default(30)
    .describe('TRIBUTARY_STALL_SECONDS: a consumer with records waiting that makes no progress for this long is reported stalled (`/readyz` 503, `tributary_consumer_stalled`).'),
  tenantRetryMaxMs: z.coerce.number().int().min(100).default(60_000)
    .describe('TRIBUTARY_TENANT_RETRY_MAX_MS: longest wait between two retries of a tenant whose records or jobs fail (its database unreachable); the wait starts at 1 s and doubles up to this.'),
}).superRefine((c, ctx) => {
  if (c.databaseUrl && !c.encryptionKey) {
    ctx.addIssue({ code: 'custom', path: ['encryptionKey'],
      message: 'set TRIBUTARY_ENCRYPTION_KEY (base64 of 32 random bytes, the same for every process) when DATABASE_URL is set' });
  }
  if (c.changeCapture === 'debezium' && !c.kafkaBrokers) {
    ctx.addIssue({ code: 'custom', path: ['changeCapture'], message: 'debezium writes the change log to Kafka: set KAFKA_BROKERS too, or use relay' });
  }
  if (c.schemaRegistryUrl && !c.kafkaBrokers) {
    ctx.addIssue({ code: 'custom', path: ['schemaRegistryUrl'], message: 'the schema registry frames bodies on Kafka: set KAFKA_BROKERS too, or unset SCHEMA_REGISTRY_URL' });
  }
  if (c.oidcIssuer && !c.oidcAudience) {
    ctx.addIssue({ code: 'custom', path: ['oidcAudience'], message: 'set OIDC_AUDIENCE when OIDC_ISSUER is set' });
  }
});

export type Config = z.infer<typeof schema>;

const envNames: Record<keyof Config, string> = {
  port: 'PORT', host: 'HOST', dataDir: 'TRIBUTARY_DATA_DIR', databaseUrl: 'DATABASE_URL',
  embeddedPostgresPort: 'TRIBUTARY_EMBEDDED_PG_PORT', dbPoolSize: 'TRIBUTARY_DB_POOL_SIZE',
  appRole: 'TRIBUTARY_DB_APP_ROLE', encryptionKey: 'TRIBUTARY_ENCRYPTION_KEY',
  bootstrapAdminKey: 'TRIBUTARY_BOOTSTRAP_ADMIN_KEY', maxBodyBytes: 'TRIBUTARY_MAX_BODY_BYTES',
  publicUrl: 'TRIBUTARY_PUBLIC_URL', maxWebhookBytes: 'TRIBUTARY_MAX_WEBHOOK_BYTES',
  kafkaBrokers: 'KAFKA_BROKERS', kafkaPartitions: 'KAFKA_PARTITIONS', kafkaRetentionHours: 'KAFKA_RETENTION_HOURS', topicPrefix: 'KAFKA_TOPIC_PREFIX',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  changeCapture: 'TRIBUTARY_CHANGE_CAPTURE',
  redisUrl: 'REDIS_URL', queuePrefix: 'TRIBUTARY_QUEUE_PREFIX', jobAttempts: 'TRIBUTARY_JOB_ATTEMPTS', jobBackoffMs: 'TRIBUTARY_JOB_BACKOFF_MS',
  oidcIssuer: 'OIDC_ISSUER', oidcAudience: 'OIDC_AUDIENCE', oidcJwksUri: 'OIDC_JWKS_URI',
  oidcTenantClaim: 'OIDC_TENANT_CLAIM', oidcGroupsClaim: 'OIDC_GROUPS_CLAIM', oidcGroupRoles: 'OIDC_GROUP_ROLES',
  logLevel: 'LOG_LEVEL',
  stallSeconds: 'TRIBUTARY_STALL_SECONDS', tenantRetryMaxMs: 'TRIBUTARY_TENANT_RETRY_MAX_MS',
};

export class ConfigError extends Error {}

/** Reads and validates the configuration; throws one message naming every variable to fix. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse({ ...raw, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]) as keyof Config;
      return `  ${envNames[key] ?? key}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
