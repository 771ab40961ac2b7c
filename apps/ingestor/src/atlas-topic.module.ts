import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeadLettersService } from '@tributary/catalog';
import { ConnectorsService } from '@tributary/connectors';
import type { EventLog } from '@tributary/eventlog';
import { AtlasTopicReaders } from '@tributary/ingest';
import { Metrics } from '@tributary/observability';
import { EVENT_LOG } from '@tributary/platform';

/**
 * Reads the Atlas notification topic (ATLAS_ENTITIES) of every enabled `atlas` connector that names
 * its Kafka, onto the inbound log, where the ingestor applies it like any webhook's delivery.
 */
@Module({})
export class AtlasTopicModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('atlas-topic');
  private readers?: AtlasTopicReaders;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    private readonly connectors: ConnectorsService,
    private readonly deadLetters: DeadLettersService,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.readers = new AtlasTopicReaders(this.connectors, {
      log: this.log, deadLetters: this.deadLetters, metrics: this.metrics, warn: (message, fields) => this.logger.warn({ message, ...fields }),
    });
    await this.readers.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readers?.stop();
  }
}
