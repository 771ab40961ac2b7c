import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export type OutboxConnector = 'pooled' | 'per-tenant';

/**
 * Runs deploy/debezium/connector.sh, the same script a user runs, against one database and topic
 * prefix: `register` creates the connector on Kafka Connect and waits until its task runs; `restart`
 * restarts it; `remove` deletes it and drops its replication slot and publication (a leftover slot
 * holds WAL forever).
 */
export async function outboxConnector(action: 'register' | 'restart' | 'remove', kind: OutboxConnector, databaseUrl: string, topicPrefix: string): Promise<string> {
  const script = join(__dirname, '../../deploy/debezium/connector.sh');
  try {
    const { stdout } = await promisify(execFile)('bash', [script, action, kind], {
      env: { ...process.env, DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: topicPrefix },
    });
    return stdout.trim();
  } catch (err) {
    throw new Error(`connector.sh ${action} ${kind} failed: ${(err as { stderr?: string }).stderr || String(err)}`);
  }
}
