import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@tributary/config';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { Runtime, startRuntime, stopRuntime } from '@tributary/platform';
import { AppName, AppProcess } from '../../test/support/app-processes';
import { freePort } from '../../test/support/free-port';
import { createTestDatabase, setAdminUrl } from '../../test/support/test-postgres';

/** The three process kinds of a distributed deployment, one process each. */
export type ProcessKind = Exclude<AppName, 'platform'>;

export interface DistributedPlatform {
  processes: Record<ProcessKind, AppProcess>;
  /** The bench's own runtime on the same database, topics and queues: it reads the store, lags and queue depths. */
  runtime: Runtime;
  /** The bootstrap key: admin of tenant `default`. */
  adminKey: string;
  /** Stops the processes and removes what the run made: the database, the topics, the queues' Redis keys. */
  stop(): Promise<void>;
}

/**
 * api, ingestor and propagator as processes (`node dist/apps/<app>/src/main.js`) on the engines, with
 * the change relay as change capture: on a fresh database, under a topic prefix and a queue prefix of
 * their own, so that a run neither sees nor disturbs anything else on the shared engines.
 */
export async function startDistributedPlatform(engines: Record<string, string>, progress: (line: string) => void): Promise<DistributedPlatform> {
  const run = randomBytes(4).toString('hex');
  const adminUrl = new URL(engines.DATABASE_URL);
  adminUrl.pathname = '/postgres';
  setAdminUrl(adminUrl.toString());
  const database = await createTestDatabase();
  const adminKey = `trb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url, TRIBUTARY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), TRIBUTARY_BOOTSTRAP_ADMIN_KEY: adminKey,
    KAFKA_BROKERS: engines.KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: `tributary-bench-${run}`,
    REDIS_URL: engines.REDIS_URL, TRIBUTARY_QUEUE_PREFIX: `tributary-bench-${run}`, TRIBUTARY_CHANGE_CAPTURE: 'relay', LOG_LEVEL: 'warn',
  };
  // BENCH_CPU_PROFILE_DIR: each process writes a V8 CPU profile there when it stops (for finding where the time goes).
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const config = loadConfig(env, { port: 0 });
  const brokers = config.kafkaBrokers!.split(',');
  const topics = STREAMS.map((s) => topicOf(s, 'pooled' as never, 'pooled', config.topicPrefix));
  const started: AppProcess[] = [];
  let runtime: Runtime | undefined;
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    if (runtime) await stopRuntime(runtime);
    await database.drop();
    await deleteTopics(brokers, topics);
    await deleteKeys(config.redisUrl!, config.queuePrefix);
  };
  try {
    progress(`database ${new URL(database.url).pathname.slice(1)}, topics ${config.topicPrefix}.pooled.*.v1 (${config.kafkaPartitions} partitions)`);
    await createTopics(brokers, topics, config.kafkaPartitions, config.kafkaRetentionHours * 3_600_000);
    const start = async (app: ProcessKind) => {
      const child = new AppProcess(app, app, { http: await freePort(), metrics: await freePort() }, env, profiling);
      started.push(child);
      await child.ready();
      return child;
    };
    // The api first: it migrates the store and creates the default tenant with the admin key.
    const api = await start('api');
    const [ingestor, propagator] = await Promise.all([start('ingestor'), start('propagator')]);
    runtime = await startRuntime(config);
    return { processes: { api, ingestor, propagator }, runtime, adminKey, stop };
  } catch (err) {
    const output = started.map((p) => p.output()).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
}

export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'tributary-bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** BullMQ keeps every queue's jobs under `<prefix>:`. */
async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    await redis.quit();
  }
}
