import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { IncidentObservation, InboundDelivery } from '@tributary/contracts';
import type { OutboundHttp, OutboundTarget } from '@tributary/outbound';

export interface BodyIssue {
  path: string;
  message: string;
}

/** A page of a source's history, as deliveries for the inbound log. */
export interface HistoryPage {
  deliveries: { contentType: string; body: string }[];
  /** where the next page starts, or null after the last page */
  next: string | null;
}

/** Thrown by a history source when the source asks us to slow down (HTTP 429). */
export class SourceRateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited by the source; retry after ${retryAfterMs} ms`);
  }
}

/**
 * Thrown by a history source for a call to the source that failed: a code and a generic message,
 * which the API may show (a backfill's `lastError`), never the source's own words (those go to the
 * log, where the connector writes them).
 */
export class SourceFailed extends Error {
  constructor(readonly code: string, message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'SourceFailed';
  }
}

/** Thrown by `normalize` for a delivery that cannot be understood; it goes to the dead letters. */
export class NormalizeError extends Error {}

/** A config field holding a URL the connector calls, with the secrets it sends there. */
export interface OutboundUrlField {
  /** dotted path in the config, e.g. `graphql.endpoint` */
  path: string;
  /** whose service it is: its own hosts are allowed without platform configuration */
  target: OutboundTarget;
  /** dotted paths of the secrets sent to that URL: a new URL needs them entered again */
  secretPaths: readonly string[];
}

export interface HistorySource {
  /** One page of the time range, starting at `after` (null for the first page). */
  page(range: { since: Date; until: Date | null }, after: string | null): Promise<HistoryPage>;
}

/**
 * A source of incidents (Monte Carlo first). One object per source type, registered once: its
 * config schema is both the validation and the documentation of its configuration. The transport
 * (HTTP, signatures, paging) is here; which tenant, which secret and which transform is the
 * platform's glue (ConnectorsService, HooksService, the ingestor).
 */
export interface SourceConnector<C = unknown> {
  readonly type: string;
  readonly description: string;
  readonly configSchema: z.ZodType<C>;
  /** Dotted paths of the config's secret fields: sealed at rest, never returned. */
  readonly secretPaths: readonly string[];
  /** The config's URLs the connector calls: checked against the outbound policy when saved, and on every call. */
  readonly outboundUrls?: readonly OutboundUrlField[];
  /** The source's webhook signature over the raw body (checked before anything else). */
  verifySignature(rawBody: Buffer, headers: IncomingHttpHeaders, signingSecret: string): boolean;
  /** The body's shape; on success, the key that orders this source object's deliveries (e.g. the incident id). */
  validateBody(body: unknown): { ok: true; orderingKey: string } | { ok: false; issues: BodyIssue[] };
  /** A logged delivery (webhook body or history item) as observations. Throws NormalizeError. */
  normalize(delivery: InboundDelivery, config: C): IncidentObservation[];
  /** The source's history, for backfills; absent when the source has no API. Calls go through `http`. */
  history?(config: C, http: OutboundHttp): HistorySource | undefined;
}
