import type { IncomingHttpHeaders } from 'node:http';
import { IncidentObservation, InboundDelivery } from '@tributary/contracts';
import type { OutboundHttp, OutboundTarget } from '@tributary/outbound';
import type { ConnectorDeclaration } from './connector-plugin';

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

/** A logged delivery's body as JSON, for `normalize`; NormalizeError when it is not. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new NormalizeError(`body is not JSON: ${(err as Error).message}`);
  }
}

/**
 * A delivery the source sent that is not one to act on (a notification about a monitor, a payload
 * version this connector does not read): acknowledged with 202 so that the sender does not count
 * the webhook as failing, kept and counted, never applied.
 */
export interface IgnoredDelivery {
  /** why, in a word (the metric's `kind`), e.g. `not_an_incident`, `unsupported_version`, `no_incident_id` */
  reason: string;
  /** what the body calls itself, where it says */
  action: string | null;
  type: string | null;
  version: string | null;
}

/**
 * Something a delivery states that is not an incident: a job's lineage run, a person's record, an
 * entity of another catalog. Its `kind` names the FactApplier (libs/ingest) that applies it, which
 * checks the value against its own schema first; a kind with no applier is a dead letter.
 */
export interface SourceFact {
  kind: string;
  value: unknown;
}

/**
 * What a logged delivery is to the ingestor: incident observations and facts of other kinds to
 * apply (facts first, so that an incident can name an asset its delivery creates), or a delivery to
 * keep as ignored.
 */
export type Normalized = {
  observations: IncidentObservation[];
  facts?: SourceFact[];
  /**
   * Observations that only resolve an incident open now, applied after `observations`: one naming
   * an incident that is not open is dropped. A source that reports every passing check or good run
   * (OpenLineage) says "resolved if it was open", never "here is a resolved incident".
   */
  resolutions?: IncidentObservation[];
} | { ignored: IgnoredDelivery };

/** A delivery read from a source's API: one source object's state, for the inbound log. */
export interface PulledDelivery {
  /** the key that orders this source object's deliveries (validateBody's, e.g. the incident id) */
  orderingKey: string;
  contentType: string;
  body: string;
}

/**
 * The source's current state of its incidents, read through its API (absent without credentials).
 * A webhook that would reopen a resolved incident is confirmed with it first, and reconciliation
 * repairs drift from it. Each delivery normalizes to the incident's whole current state, applied
 * over whatever was seen before: these deliveries are never deduplicated by state.
 */
export interface CurrentStateSource {
  /** These incidents as the source sees them now; ids it does not know are left out. Throws SourceRateLimited or the source's failure. */
  byIds(externalIds: readonly string[]): Promise<PulledDelivery[]>;
  /** One page of the incidents the source lists for a time range (recent ones), starting at `after` (null first). */
  recent(range: { since: Date; until: Date | null }, after: string | null): Promise<{ deliveries: PulledDelivery[]; next: string | null }>;
}

/** Credentials a source needs besides its webhook secret, derived from it and shown with it. */
export interface IssuedCredentials {
  /** Okta: the SCIM provisioning bearer token */
  scimToken?: string;
}

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
export interface SourceConnector<C = unknown> extends ConnectorDeclaration<C> {
  readonly kind: 'source';
  /** false for a source whose deliveries never come by webhook (Apache Atlas's come from its Kafka topic): its hook URL answers 404 */
  readonly receivesWebhooks?: boolean;
  /** The source's webhook signature over the raw body (checked before anything else). */
  verifySignature(rawBody: Buffer, headers: IncomingHttpHeaders, signingSecret: string): boolean;
  /**
   * For a source that verifies its webhook URL with a GET before sending to it (Okta): the challenge
   * the GET carries, which the answer echoes; undefined when the request carries none.
   */
  verificationChallenge?(headers: IncomingHttpHeaders): string | undefined;
  /**
   * Credentials derived from the connector's signing secret that its source needs besides the
   * webhook secret (Okta's SCIM token): shown with the secret, once, when it is issued or rotated.
   */
  credentials?(connectorId: string, signingSecret: string): IssuedCredentials;
  /**
   * The body's shape; on success, the key that orders this source object's deliveries (e.g. the
   * incident id). A delivery to ignore (see IgnoredDelivery) is a success: it is logged like any other.
   */
  validateBody(body: unknown): { ok: true; orderingKey: string } | { ok: false; issues: BodyIssue[] };
  /** A logged delivery (webhook body or history item) as observations, or as ignored. Throws NormalizeError. */
  normalize(delivery: InboundDelivery, config: C): Normalized;
  /** The source's history, for backfills; absent when the source has no API. Calls go through `http`. */
  history?(config: C, http: OutboundHttp): HistorySource | undefined;
  /** The source's current state, for reopen confirmation and reconciliation; absent without API credentials. Calls go through `http`. */
  currentState?(config: C, http: OutboundHttp): CurrentStateSource | undefined;
}
