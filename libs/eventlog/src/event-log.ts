import { TenantId } from '@tributary/store';

/** The platform's streams (topics in the Kafka adapter). */
export type Stream = 'inbound' | 'changes' | 'incidents' | 'dead-letters' | 'incident-facts';

export interface NewRecord {
  tenantId: TenantId;
  /** Records with the same key keep their order (tenant + asset, tenant + incident, …). */
  key: string;
  /** The Avro single-object encoded body. */
  value: Buffer;
  /** CloudEvents attributes and trace context, as Kafka headers would carry them. */
  headers: Record<string, string>;
}

export interface LogRecord extends NewRecord {
  stream: Stream;
  /** Position in the stream, opaque to consumers. */
  offset: string;
  appendedAt: Date;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  batchSize: number;
  /**
   * Called when the handler throws (the batch is then retried after a pause: at least once), and
   * with an empty batch when the consumer itself fails (its connection to the log, its broker): it
   * starts again after a pause. Pauses double up to a cap; a subscription never ends before stop().
   */
  onError: (err: unknown, batch: LogRecord[]) => void;
}

/**
 * The event-log port: append records to a stream; consume a stream as a named group, in order, at
 * least once. The consumer commits a batch only after the handler's promise resolves, so a crash in
 * the middle replays the batch: handlers are idempotent. A handler deals with a record it cannot
 * process itself (dead letter); a throw means "try this batch again". A consumer survives any
 * failure outside its handler (a dropped connection, a broker that is down): subscribe() returns
 * even when the log cannot be reached yet, and the consumer connects as soon as it can.
 */
export interface EventLog {
  append(stream: Stream, records: NewRecord[]): Promise<void>;
  /** Records appended but not yet committed by the group: consumer lag, for metrics and for tests that wait. */
  lag(group: string, stream: Stream): Promise<number>;
  subscribe(group: string, stream: Stream, handler: (batch: LogRecord[]) => Promise<void>, options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
