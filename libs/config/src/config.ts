import { z } from 'zod';

/**
 * The one configuration object. Every setting is read from the environment here and nowhere else,
 * validated at boot, and documented by its `describe` text (the README's configuration table).
 */
/** A retention in whole days; 0 keeps forever. */
const days = (byDefault: number) => z.coerce.number().int().min(0).max(36_500).default(byDefault);

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
  oidcConsoleClientId: z.string().min(1).max(256).optional()
    .describe('OIDC_CONSOLE_CLIENT_ID: the issuer\'s client id of the web console (a single-page app: Authorization Code with PKCE, no secret, '
      + 'sign-in redirect URI <TRIBUTARY_PUBLIC_URL>/console/callback). The console offers single sign-on when this and OIDC_ISSUER are set.'),
  oidcConsoleScopes: z.string().default('openid profile email')
    .describe('OIDC_CONSOLE_SCOPES: scopes the console asks for (space separated); the access token must carry the tenant and groups claims.'),
  logLevel: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log').describe('LOG_LEVEL: lowest level logged.'),
  // rate limits (issue 10, point 15)
  rateLimitPerCredential: z.coerce.number().min(0).default(1000)
    .describe('TRIBUTARY_RATE_LIMIT_PER_CREDENTIAL: requests a second each API key or OIDC subject may make, per api process (more get 429 with Retry-After); 0 is no limit.'),
  rateLimitPerCredentialBurst: z.coerce.number().int().min(1).default(2000)
    .describe('TRIBUTARY_RATE_LIMIT_PER_CREDENTIAL_BURST: how many requests a credential may make at once (its token bucket\'s size).'),
  rateLimitPerConnector: z.coerce.number().min(0).default(5000)
    .describe('TRIBUTARY_RATE_LIMIT_PER_CONNECTOR: signed webhook deliveries a second each connector may send, per api process (more get 429 with Retry-After); 0 is no limit.'),
  rateLimitPerConnectorBurst: z.coerce.number().int().min(1).default(10_000)
    .describe('TRIBUTARY_RATE_LIMIT_PER_CONNECTOR_BURST: how many deliveries a connector may send at once (its token bucket\'s size).'),
  // Monte Carlo ordering without timestamps (issue 10, point 4)
  dedupWindowHours: z.coerce.number().positive().max(24 * 365).default(24)
    .describe('TRIBUTARY_DEDUP_WINDOW_HOURS: a delivery received again (same incident, same bytes) within this many hours of the first is a redelivery and changes nothing; after it, the same bytes are a new observation (fractions allowed).'),
  reconcileMinutes: z.coerce.number().min(0).max(24 * 60).default(15)
    .describe('TRIBUTARY_RECONCILE_MINUTES: how often each connector with API credentials re-reads its open and recently changed incidents from the source and repairs drift (fractions allowed; 0 turns reconciliation off).'),

  // retention, topic replication and time limits (issue 10, points 8 and 9)
  retentionEventLogDays: days(7)
    .describe('TRIBUTARY_RETENTION_EVENT_LOG_DAYS: days the embedded event log keeps a record that every consumer group of its stream has passed (0: forever).'),
  retentionDeliveryKeysDays: days(7)
    .describe('TRIBUTARY_RETENTION_DELIVERY_KEYS_DAYS: days a processed delivery key is kept, so that a redelivery within them changes nothing (0: forever). Never shorter than the dedup window.'),
  retentionOutboxDays: days(7)
    .describe('TRIBUTARY_RETENTION_OUTBOX_DAYS: days the outbox (the change feed, GET /v1/changes) keeps an event, once relayed (0: forever).'),
  retentionDeadLettersDays: days(30)
    .describe('TRIBUTARY_RETENTION_DEAD_LETTERS_DAYS: days a dead letter is kept, replayed or not (0: forever).'),
  retentionAuditDays: days(365)
    .describe('TRIBUTARY_RETENTION_AUDIT_DAYS: days an audit entry is kept (0: forever); at least as long as every other retention.'),
  retentionIntervalMs: z.coerce.number().int().min(1000).default(60 * 60 * 1000)
    .describe('TRIBUTARY_RETENTION_INTERVAL_MS: how often retention runs (on one process of the deployment at a time).'),
  retentionBatchSize: z.coerce.number().int().min(1).max(50_000).default(1000)
    .describe('TRIBUTARY_RETENTION_BATCH_SIZE: rows one retention DELETE removes at most; each batch is its own short transaction.'),
  kafkaReplicationFactor: z.coerce.number().int().min(1).max(32).default(1)
    .describe('KAFKA_REPLICATION_FACTOR: replicas of each topic `npm run topics:create` creates (3 on a real cluster).'),
  kafkaMinInsyncReplicas: z.coerce.number().int().min(1).max(32).default(1)
    .describe('KAFKA_MIN_INSYNC_REPLICAS: `min.insync.replicas` of each topic `npm run topics:create` creates (2 on a real cluster): an append (acks=all) fails rather than land on fewer replicas.'),
  dbStatementTimeoutMs: z.coerce.number().int().min(0).default(30_000)
    .describe('TRIBUTARY_DB_STATEMENT_TIMEOUT_MS: longest a PostgreSQL statement may run, lock waits included; the API then answers 503 store_timeout and workers retry (0: no limit; migrations have none).'),
  dbIdleInTransactionTimeoutMs: z.coerce.number().int().min(0).default(60_000)
    .describe('TRIBUTARY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: a session idle this long inside a transaction is ended by PostgreSQL, releasing its locks (0: no limit).'),
  dbConnectTimeoutMs: z.coerce.number().int().min(0).default(10_000)
    .describe('TRIBUTARY_DB_CONNECT_TIMEOUT_MS: longest wait for a PostgreSQL connection, new or from a full pool (0: no limit).'),
  httpRequestTimeoutMs: z.coerce.number().int().min(1000).default(60_000)
    .describe('TRIBUTARY_HTTP_REQUEST_TIMEOUT_MS: longest time to receive a whole request, headers and body; a slower one gets 408 and its connection is closed.'),
  httpConnectionTimeoutMs: z.coerce.number().int().min(0).default(120_000)
    .describe('TRIBUTARY_HTTP_CONNECTION_TIMEOUT_MS: a connection with no traffic either way for this long is closed (0: no limit).'),
  httpKeepAliveTimeoutMs: z.coerce.number().int().min(1000).default(72_000)
    .describe('TRIBUTARY_HTTP_KEEP_ALIVE_TIMEOUT_MS: how long an idle keep-alive connection is kept open; longer than the idle timeout of a load balancer in front.'),
  // security (issue 10, points 13-14)
  metricsPort: z.coerce.number().int().min(0).max(65535).optional()
    .describe('METRICS_PORT: serve /metrics on this port, without a credential (bind it where only Prometheus reaches: METRICS_HOST). Unset: /metrics is on PORT and needs a credential with the `metrics` role or a platform admin.'),
  metricsHost: z.string().default('127.0.0.1').describe('METRICS_HOST: address the METRICS_PORT server binds to.'),
  dbTenantUser: z.string().min(1).optional()
    .describe('TRIBUTARY_DB_TENANT_USER: the PostgreSQL login tenant transactions run on: a member of TRIBUTARY_DB_APP_ROLE, neither superuser nor BYPASSRLS. Unset: the platform creates `<app role>_login` itself, with a password derived from the encryption key.'),
  dbTenantPassword: z.string().min(1).optional()
    .describe('TRIBUTARY_DB_TENANT_PASSWORD: the password of TRIBUTARY_DB_TENANT_USER. (sensitive)'),
  // outbound calls (issue 10, points 9 and 11)
  outboundAllowedHosts: z.string().regex(/^[^\s,]+(,[^\s,]+)*$|^$/, 'comma-separated host names, *.domain for subdomains').default('')
    .describe('TRIBUTARY_OUTBOUND_ALLOWED_HOSTS: hosts every outbound call may reach besides each service\'s own (Monte Carlo: api.getmontecarlo.com, *.getmontecarlo.com), comma separated; *.example.com allows its subdomains.'),
  outboundAllowPrivate: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false)
    .describe('TRIBUTARY_OUTBOUND_ALLOW_PRIVATE: `true` lets outbound calls reach private, loopback and link-local addresses, and plain http to such an address or localhost (local test servers). Off in production.'),
  outboundConnectTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(5_000)
    .describe('TRIBUTARY_OUTBOUND_CONNECT_TIMEOUT_MS: an outbound call fails when no connection is made within this time.'),
  outboundTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(30_000)
    .describe('TRIBUTARY_OUTBOUND_TIMEOUT_MS: an outbound call fails when its answer is not complete within this time.'),
  outboundMaxResponseBytes: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024)
    .describe('TRIBUTARY_OUTBOUND_MAX_RESPONSE_BYTES: an outbound answer larger than this is cut off and the call fails.'),
  // stalls and tenant isolation (issue 10, points 5 and 6)
  stallSeconds: z.coerce.number().min(1).max(3600).default(30)
    .describe('TRIBUTARY_STALL_SECONDS: a consumer with records waiting that makes no progress for this long is reported stalled (`/readyz` 503, `tributary_consumer_stalled`).'),
  tenantRetryMaxMs: z.coerce.number().int().min(100).default(60_000)
    .describe('TRIBUTARY_TENANT_RETRY_MAX_MS: longest wait between two retries of a tenant whose records or jobs fail (its database unreachable); the wait starts at 1 s and doubles up to this.'),
  // the analytics store (issue 11)
  clickhouseUrl: z.string().url().regex(/^https?:\/\//, 'an http:// or https:// URL').optional()
    .describe('CLICKHOUSE_URL: a ClickHouse server (e.g. http://clickhouse:8123) for the analytics store. Unset: the all-in-one platform (`npm start`) runs the ClickHouse engine in-process (chdb, data under TRIBUTARY_DATA_DIR/clickhouse); split processes (`start:indexer`, `start:api`) have no analytics store without it.'),
  clickhouseUser: z.string().min(1).optional().describe('CLICKHOUSE_USER: the user of CLICKHOUSE_URL (the server\'s `default` when unset).'),
  clickhousePassword: z.string().optional().describe('CLICKHOUSE_PASSWORD: the password of CLICKHOUSE_USER. (sensitive)'),
  clickhouseDatabase: z.string().regex(/^[a-z_][a-z0-9_]{0,30}$/, 'lower-case letters, digits and _, at most 31 characters').default('tributary')
    .describe('CLICKHOUSE_DATABASE: the ClickHouse database of pooled and schema tenants; a dedicated tenant gets its own, `<this>_<tenant id>` (dashes as underscores; past 62 characters, shortened and ended with a hash of the tenant id).'),
  druidUrl: z.string().url().regex(/^https?:\/\//, 'an http:// or https:// URL').optional()
    .describe('DRUID_URL: a Druid broker or router (e.g. http://druid-broker:8082) that answers the incident trends and summary (`/v1/analytics/incidents/…`) from the incident-facts datasources (`<KAFKA_TOPIC_PREFIX>_incident_facts`, a dedicated tenant\'s `<KAFKA_TOPIC_PREFIX>_incident_facts_<tenant id>`). Unset: the analytics store answers them.'),
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
  const forever = (d: number) => (d === 0 ? Infinity : d);
  const longestOther = Math.max(...[c.retentionEventLogDays, c.retentionDeliveryKeysDays, c.retentionOutboxDays, c.retentionDeadLettersDays].map(forever));
  if (forever(c.retentionAuditDays) < longestOther) {
    ctx.addIssue({ code: 'custom', path: ['retentionAuditDays'],
      message: `the audit log is kept longest: set it to at least ${longestOther === Infinity ? '0 (forever)' : `${longestOther} days`}, the longest other retention` });
  }
  // a key pruned inside the dedup window would let a redelivery through as a new observation
  if (c.retentionDeliveryKeysDays > 0 && c.retentionDeliveryKeysDays * 24 < c.dedupWindowHours) {
    ctx.addIssue({ code: 'custom', path: ['retentionDeliveryKeysDays'],
      message: `keep delivery keys at least as long as TRIBUTARY_DEDUP_WINDOW_HOURS (${c.dedupWindowHours} h): set at least ${Math.ceil(c.dedupWindowHours / 24)} days, or 0 (forever)` });
  }
  if (c.kafkaMinInsyncReplicas > c.kafkaReplicationFactor) {
    ctx.addIssue({ code: 'custom', path: ['kafkaMinInsyncReplicas'],
      message: `at most KAFKA_REPLICATION_FACTOR (${c.kafkaReplicationFactor}): acks=all appends would always fail` });
  }
  if (c.oidcIssuer && !c.oidcAudience) {
    ctx.addIssue({ code: 'custom', path: ['oidcAudience'], message: 'set OIDC_AUDIENCE when OIDC_ISSUER is set' });
  }
  if ((c.dbTenantUser === undefined) !== (c.dbTenantPassword === undefined)) {
    ctx.addIssue({ code: 'custom', path: [c.dbTenantUser ? 'dbTenantPassword' : 'dbTenantUser'],
      message: 'set both TRIBUTARY_DB_TENANT_USER and TRIBUTARY_DB_TENANT_PASSWORD, or neither (the platform then makes its own tenant login)' });
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
  oidcConsoleClientId: 'OIDC_CONSOLE_CLIENT_ID', oidcConsoleScopes: 'OIDC_CONSOLE_SCOPES',
  logLevel: 'LOG_LEVEL',
  rateLimitPerCredential: 'TRIBUTARY_RATE_LIMIT_PER_CREDENTIAL', rateLimitPerCredentialBurst: 'TRIBUTARY_RATE_LIMIT_PER_CREDENTIAL_BURST',
  rateLimitPerConnector: 'TRIBUTARY_RATE_LIMIT_PER_CONNECTOR', rateLimitPerConnectorBurst: 'TRIBUTARY_RATE_LIMIT_PER_CONNECTOR_BURST',
  dedupWindowHours: 'TRIBUTARY_DEDUP_WINDOW_HOURS', reconcileMinutes: 'TRIBUTARY_RECONCILE_MINUTES',
  retentionEventLogDays: 'TRIBUTARY_RETENTION_EVENT_LOG_DAYS', retentionDeliveryKeysDays: 'TRIBUTARY_RETENTION_DELIVERY_KEYS_DAYS',
  retentionOutboxDays: 'TRIBUTARY_RETENTION_OUTBOX_DAYS', retentionDeadLettersDays: 'TRIBUTARY_RETENTION_DEAD_LETTERS_DAYS',
  retentionAuditDays: 'TRIBUTARY_RETENTION_AUDIT_DAYS', retentionIntervalMs: 'TRIBUTARY_RETENTION_INTERVAL_MS',
  retentionBatchSize: 'TRIBUTARY_RETENTION_BATCH_SIZE',
  kafkaReplicationFactor: 'KAFKA_REPLICATION_FACTOR', kafkaMinInsyncReplicas: 'KAFKA_MIN_INSYNC_REPLICAS',
  dbStatementTimeoutMs: 'TRIBUTARY_DB_STATEMENT_TIMEOUT_MS', dbIdleInTransactionTimeoutMs: 'TRIBUTARY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  dbConnectTimeoutMs: 'TRIBUTARY_DB_CONNECT_TIMEOUT_MS',
  httpRequestTimeoutMs: 'TRIBUTARY_HTTP_REQUEST_TIMEOUT_MS', httpConnectionTimeoutMs: 'TRIBUTARY_HTTP_CONNECTION_TIMEOUT_MS',
  httpKeepAliveTimeoutMs: 'TRIBUTARY_HTTP_KEEP_ALIVE_TIMEOUT_MS',
  metricsPort: 'METRICS_PORT', metricsHost: 'METRICS_HOST',
  dbTenantUser: 'TRIBUTARY_DB_TENANT_USER', dbTenantPassword: 'TRIBUTARY_DB_TENANT_PASSWORD',
  outboundAllowedHosts: 'TRIBUTARY_OUTBOUND_ALLOWED_HOSTS', outboundAllowPrivate: 'TRIBUTARY_OUTBOUND_ALLOW_PRIVATE',
  outboundConnectTimeoutMs: 'TRIBUTARY_OUTBOUND_CONNECT_TIMEOUT_MS', outboundTimeoutMs: 'TRIBUTARY_OUTBOUND_TIMEOUT_MS',
  outboundMaxResponseBytes: 'TRIBUTARY_OUTBOUND_MAX_RESPONSE_BYTES',
  stallSeconds: 'TRIBUTARY_STALL_SECONDS', tenantRetryMaxMs: 'TRIBUTARY_TENANT_RETRY_MAX_MS',
  clickhouseUrl: 'CLICKHOUSE_URL', clickhouseUser: 'CLICKHOUSE_USER', clickhousePassword: 'CLICKHOUSE_PASSWORD', clickhouseDatabase: 'CLICKHOUSE_DATABASE',
  druidUrl: 'DRUID_URL',
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

/** The operator's tenant login (TRIBUTARY_DB_TENANT_USER and _PASSWORD); undefined: the store makes its own. */
export function tenantLoginOf(c: Config): { user: string; password: string } | undefined {
  return c.dbTenantUser && c.dbTenantPassword ? { user: c.dbTenantUser, password: c.dbTenantPassword } : undefined;
}
