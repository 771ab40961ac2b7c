import type { WriteContext } from '@tributary/catalog';
import type { SourceFact } from '@tributary/connectors';

/** A fact read from one inbound record, with where it came from. */
export interface FactToApply {
  fact: SourceFact;
  connectorId: string;
  /** the inbound delivery's id: a redelivered record carries the same one */
  deliveryId: string;
  receivedAt: Date;
  traceparent: string | null;
}

/**
 * Applies one kind of source fact (lineage runs, directory records, …) to the store: one per kind,
 * given to the InboundProcessor. A tenant's facts of the kind come in log order; applying them must
 * be idempotent (a redelivered record changes nothing) and write its change events in the same
 * transaction as its state. Throwing for a batch makes the processor retry the facts one by one and
 * park the records whose fact still fails, with the error's message as the reason.
 */
export interface FactApplier {
  readonly kind: string;
  apply(ctx: WriteContext, facts: FactToApply[]): Promise<{ applied: number; duplicates: number }>;
}
