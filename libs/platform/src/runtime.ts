import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type AnalyticsStore, DruidIncidentAnalytics, DruidSqlClient, type IncidentAnalytics, openAnalyticsStore,
} from '@tributary/analytics';
import { datasourceOf } from '@tributary/druid-ingestion';
import { Config, tenantLoginOf } from '@tributary/config';
import { ConfluentWireFormat, EventLog, KafkaEventLog, PostgresEventLog, SchemaRegistryClient } from '@tributary/eventlog';
import { BullMqJobQueue, DeadJob, JobQueue, PostgresJobQueue } from '@tributary/queue';
import {
  Database, EmbeddedPostgresServer, ExternalPostgresServer, pgSessionOptions, PostgresServer, SecretBox, SessionLimits, TenantId, TenantPlacement,
} from '@tributary/store';

/** What every app process shares: its configuration, the PostgreSQL it runs on, the store, the event log. */
export interface Runtime {
  config: Config;
  postgres: PostgresServer;
  database: Database;
  secrets: SecretBox;
  eventLog: EventLog;
  jobQueue: JobQueue;
  /** Where each queue's dead jobs go; the domain registers a handler per queue. */
  deadJobs: DeadJobRouter;
  /** The analytics store this process holds, or null (see ANALYTICS_STORE in platform.module.ts). */
  analytics: AnalyticsStore | null;
  /** What answers the incident trends and summary: Druid with DRUID_URL, else the analytics store (or null). */
  incidentAnalytics: IncidentAnalytics | null;
}

/** Routes a dead job to the handler of its queue (registered after the queue is opened). */
export class DeadJobRouter {
  private readonly handlers = new Map<string, (job: DeadJob<unknown>) => Promise<void>>();

  register<T>(queue: string, handler: (job: DeadJob<T>) => Promise<void>): void {
    if (this.handlers.has(queue)) throw new Error(`two dead-job handlers for queue ${queue}`);
    this.handlers.set(queue, handler as (job: DeadJob<unknown>) => Promise<void>);
  }

  async route(job: DeadJob<unknown>): Promise<void> {
    const handler = this.handlers.get(job.queue);
    // Throwing hands the job back to the queue as a failure, so it is not lost.
    if (!handler) throw new Error(`no dead-job handler for queue ${job.queue}`);
    await handler(job);
  }
}

export interface RuntimeOptions {
  /**
   * Without CLICKHOUSE_URL, open the ClickHouse engine in-process (chdb) under the data directory.
   * Only one process may hold that directory (and chdb opens one per process): the all-in-one
   * platform and the rebuild command, never the split processes.
   */
  embeddedAnalytics?: boolean;
}

/**
 * Starts the infrastructure of one process: the embedded PostgreSQL unless DATABASE_URL names one,
 * then the store with its migrations applied, and the analytics store where the process has one.
 */
export async function startRuntime(config: Config, log: (line: string) => void = () => {}, options: RuntimeOptions = {}): Promise<Runtime> {
  const postgres: PostgresServer = config.databaseUrl
    ? new ExternalPostgresServer(config.databaseUrl)
    : new EmbeddedPostgresServer(config.dataDir, config.embeddedPostgresPort, log);
  await postgres.start();
  try {
    const secrets = new SecretBox(config.encryptionKey ?? localEncryptionKey(config.dataDir));
    const limits: SessionLimits = { statementTimeoutMs: config.dbStatementTimeoutMs, idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs,
      connectTimeoutMs: config.dbConnectTimeoutMs };
    const database = await Database.open({ url: postgres.connectionString(), appRole: config.appRole, poolSize: config.dbPoolSize, secrets, limits,
      tenantLogin: tenantLoginOf(config) });
    const eventLog: EventLog = config.kafkaBrokers
      ? new KafkaEventLog({ brokers: config.kafkaBrokers.split(','), clientId: 'tributary', topicPrefix: config.topicPrefix,
        placementOf: async (tenantId) => (await database.placementOf(tenantId)).placement,
        wireFormat: config.schemaRegistryUrl ? new ConfluentWireFormat(new SchemaRegistryClient(config.schemaRegistryUrl)) : undefined })
      : new PostgresEventLog(postgres.connectionString(), pgSessionOptions(limits));
    const deadJobs = new DeadJobRouter();
    const onDead = (job: DeadJob<unknown>) => deadJobs.route(job);
    const jobQueue: JobQueue = config.redisUrl
      ? await BullMqJobQueue.open({ url: config.redisUrl, prefix: config.queuePrefix, onDead })
      : await PostgresJobQueue.open({ connectionString: postgres.connectionString(), onDead, pollIntervalMs: 500, session: pgSessionOptions(limits) });
    const analytics = await openAnalytics(config, database, options.embeddedAnalytics ?? false);
    return { config, postgres, database, secrets, eventLog, jobQueue, deadJobs, analytics, incidentAnalytics: incidentAnalyticsOf(config, database, analytics) };
  } catch (err) {
    await postgres.stop();
    throw err;
  }
}

export async function stopRuntime(runtime: Runtime): Promise<void> {
  await runtime.analytics?.close();
  await runtime.jobQueue.close();
  await runtime.eventLog.close();
  await runtime.database.close();
  await runtime.postgres.stop();
}

/** Where the embedded analytics engine keeps its data. */
export const embeddedAnalyticsPath = (config: Config) => join(resolve(config.dataDir), 'clickhouse');

/** The longest database name the analytics store takes (a plain identifier, see libs/analytics). */
const MAX_DATABASE_NAME = 62;

/**
 * The ClickHouse database of a tenant: a dedicated tenant's own (`<shared>_<tenant id>`, dashes as
 * underscores: tenant ids have no underscores, so no two tenants meet), the shared one otherwise. A
 * name too long for the store (a long tenant id) keeps its start and ends in a hash of the tenant id.
 */
export function analyticsDatabaseOf(shared: string, p: Pick<TenantPlacement, 'tenantId' | 'placement'>): string {
  if (p.placement !== 'dedicated') return shared;
  const name = `${shared}_${p.tenantId.replace(/-/g, '_')}`;
  if (name.length <= MAX_DATABASE_NAME) return name;
  const hash = createHash('sha256').update(p.tenantId).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_DATABASE_NAME - hash.length - 1)}_${hash}`;
}

/**
 * The process's analytics store (opened migrated; a dedicated tenant's database is migrated on its
 * first use): a server by CLICKHOUSE_URL, else the embedded engine where the process may hold it, else none.
 */
async function openAnalytics(config: Config, database: Database, embedded: boolean): Promise<AnalyticsStore | null> {
  const databaseOf = async (tenantId: TenantId) => analyticsDatabaseOf(config.clickhouseDatabase, await database.placementOf(tenantId));
  if (config.clickhouseUrl) {
    return openAnalyticsStore({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword, databaseOf });
  }
  return embedded ? openAnalyticsStore({ path: embeddedAnalyticsPath(config), databaseOf }) : null;
}

/**
 * Druid (DRUID_URL) for the incident trends and summary, a tenant's datasource the one its facts are
 * ingested into (named after the topic prefix, chosen by its placement, libs/druid-ingestion); without it, the analytics store answers them too. Nothing to open:
 * each question is one HTTP request, and Druid unreachable is that request's 503.
 */
function incidentAnalyticsOf(config: Config, database: Database, analytics: AnalyticsStore | null): IncidentAnalytics | null {
  if (!config.druidUrl) return analytics;
  return new DruidIncidentAnalytics(new DruidSqlClient({ url: config.druidUrl }),
    async (tenantId) => datasourceOf(config.topicPrefix, tenantId, (await database.placementOf(tenantId)).placement));
}

/** The embedded default keeps its encryption key beside its data (mode 0600), made on first start. */
function localEncryptionKey(dataDir: string): string {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'encryption.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
