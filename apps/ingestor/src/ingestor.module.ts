import { Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeadLettersService, IncidentsService } from '@tributary/catalog';
import { ConnectorsService } from '@tributary/connectors';
import type { EventLog, Subscription } from '@tributary/eventlog';
import { InboundProcessor, INBOUND_STREAM } from '@tributary/ingest';
import { Metrics } from '@tributary/observability';
import { EVENT_LOG } from '@tributary/platform';

/** Consumes the inbound log (consumer group `ingestor`) and applies what it reads to the store. */
@Module({})
export class IngestorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ingestor');
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    private readonly connectors: ConnectorsService,
    private readonly incidents: IncidentsService,
    private readonly deadLetters: DeadLettersService,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const processor = new InboundProcessor(this.connectors, this.incidents, this.deadLetters, this.metrics);
    this.subscription = await this.log.subscribe('ingestor', INBOUND_STREAM, (batch) => processor.handle(batch), {
      batchSize: 500,
      onError: (err, batch) => this.logger.warn({ message: 'inbound batch failed; it will be retried', records: batch.length, error: String(err) }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
  }
}
