import { Logger } from '@nestjs/common';
import { type EventLog, type LogRecord, type Stream, type Subscription, TenantIsolation } from '@tributary/eventlog';
import { Database, HeldRecordsRepository } from '@tributary/store';
import { Config } from '@tributary/config';
import { ConsumerWatch, WatchedConsumer } from './consumer-watch';
import { tenantBackoff } from './tenant-jobs';

export interface IsolatedConsumerOptions {
  group: string;
  stream: Stream;
  batchSize: number;
  /** what the records are, for the log lines ("inbound records", "changes") */
  what: string;
  /** one tenant's records, in log order */
  handle: (records: LogRecord[]) => Promise<void>;
}

/**
 * A consumer group on one stream of the event log, as every app consumes one: a tenant whose records
 * fail is held back on its own backoff while the others go on (TenantIsolation), and the consumer is
 * watched for stalls and lag (ConsumerWatch). Failures are logged and retried, never fatal.
 */
export class IsolatedConsumer {
  private constructor(private readonly subscription: Subscription, private readonly isolation: TenantIsolation, private readonly watched: WatchedConsumer) {}

  static async start(log: EventLog, database: Database, consumers: ConsumerWatch, config: Config, logger: Logger,
    o: IsolatedConsumerOptions): Promise<IsolatedConsumer> {
    const isolation = new TenantIsolation(new HeldRecordsRepository(database), o.handle, {
      group: o.group, stream: o.stream, batchSize: o.batchSize, backoff: tenantBackoff(config),
      onTenantFailed: (tenant, err, records) => logger.warn({ message: `a tenant's ${o.what} failed; they are held back and retried on its backoff`,
        tenant, records, error: String(err) }),
      onError: (err) => logger.warn({ message: `retrying held ${o.what} failed; trying again`, error: String(err) }),
    });
    const watched = consumers.watch(o.group, o.stream, { lag: () => log.lag(o.group, o.stream), heldTenants: () => isolation.heldTenants() });
    const subscription = await log.subscribe(o.group, o.stream, async (batch) => {
      await isolation.handle(batch);
      watched.progress(batch.length);
    }, {
      batchSize: o.batchSize,
      onError: (err, batch) => logger.warn(batch.length > 0
        ? { message: `a batch of ${o.what} failed; it will be retried`, records: batch.length, error: String(err) }
        : { message: `the ${o.group} consumer failed; it starts again`, error: String(err) }),
    });
    isolation.start();
    return new IsolatedConsumer(subscription, isolation, watched);
  }

  async stop(): Promise<void> {
    await this.subscription.stop();
    await this.isolation.stop();
    this.watched.stop();
  }
}
