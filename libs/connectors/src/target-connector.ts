import type { IncidentReply, InboundDelivery } from '@tributary/contracts';
import type { OutboundHttp } from '@tributary/outbound';
import type { ConnectorDeclaration } from './connector-plugin';
import type { HookIntake } from './hook-intake';
import type { IgnoredDelivery, OutboundUrlField } from './source-connector';

/*
 * The target-connector port: a destination people read (Slack, Microsoft Teams, Jira, Freshdesk).
 * A target is a pure transport: "post this notice with these credentials". Which tenant, which
 * rule, which incident, whether this is the first message or a later one, retries, rate limits and
 * idempotency are the delivery engine's (the glue), never the target's.
 */

/** An asset as a notice names it. */
export interface NoticeAsset {
  qualifiedName: string;
  /** the asset's page in the catalog (the API's asset URL), for a link */
  url: string;
  owner: string | null;
}

/** One incident's state, as every message, card and ticket about it shows it. */
export interface IncidentNotice {
  /** the catalog's incident id */
  incidentId: string;
  /** what happened that this notice is about */
  change: 'opened' | 'updated' | 'resolved' | 'reopened';
  title: string;
  /** the source's severity as given (e.g. `SEV-1`), null when it gave none */
  severity: string | null;
  status: 'open' | 'resolved';
  /** the source's own status word (e.g. `investigating`), null when it gave none */
  rawStatus: string | null;
  /** the incident type (e.g. `freshness`, `volume`) */
  type: string;
  /** where it came from, e.g. `montecarlo` */
  source: string;
  /** the incident in the source tool (the Monte Carlo link), null when it gave none */
  sourceUrl: string | null;
  owner: string | null;
  /** the assets it is on */
  assets: NoticeAsset[];
  /** what sits downstream of them: how many assets, and their owners (most assets first, at most 10) */
  downstream: { count: number; owners: { owner: string; assets: number }[] };
  /** the change event's time */
  changedAt: Date;
}

/** A burst of incidents to one destination within a rule's digest window, sent as one summary. */
export interface DigestNotice {
  /** the window the incidents fell in */
  from: Date;
  to: Date;
  incidents: IncidentNotice[];
}

/**
 * An owner who stopped owning (a person deactivated, suspended or deleted in the directory; a group
 * deleted) and the assets left without them: one notice per loss, however many assets it left (a
 * person owning 200 assets is one message, not 200). Not about an incident: nothing to edit later.
 */
export interface OwnerLossNotice {
  /** the loss: one directory change, shared by every asset it left without an owner */
  lossId: string;
  kind: 'person' | 'group';
  /** how people know them: a person's display name and login (`Ana Lima (ana@acme.io)`), a group's name */
  who: string;
  /** the owner values the assets name (a person is named by login or email) */
  owners: string[];
  /** the directory's word: `deactivated`, `suspended` or `deleted` */
  reason: string;
  /** the assets that lost the owner, by name, at most OWNER_LOSS_ASSETS_LISTED of them */
  assets: { qualifiedName: string; typeName: string; url: string }[];
  /** how many more lost the owner than are listed */
  more: number;
  /** when the directory changed */
  at: Date;
}

/** Assets an owner-loss notice lists by name: a channel or ticket is read by people; the catalog holds the full list. */
export const OWNER_LOSS_ASSETS_LISTED = 25;

/**
 * What a destination gave back for the first message about an incident, kept with the delivery so
 * that later changes edit that message or ticket: Slack `{channel, ts}`, Jira `{issueKey, issueId}`,
 * Freshdesk `{ticketId}`; null where the destination returns nothing to refer to (Teams Workflows,
 * Slack incoming webhooks), and later changes are then new messages.
 */
export type DeliveryRef = Record<string, string> | null;

/**
 * A destination's answer that was not success. `retry`: `later` (5xx, timeouts, network errors: try
 * again with backoff), `after` (429: try again after `retryAfterMs`, or with backoff when the
 * destination gave no Retry-After), `never` (the request or the connector is wrong: Slack
 * `channel_not_found`/`invalid_auth`, Jira 400, Freshdesk 400/401; parked until the connector is fixed).
 * `answer` is the destination's own error, as shown to the tenant in the delivery's attempts: its
 * status and error code or message, never a header or anything that could hold a secret.
 */
export class TargetError extends Error {
  constructor(
    readonly retry: 'later' | 'after' | 'never',
    readonly answer: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(answer, options);
    this.name = 'TargetError';
  }
}

/**
 * A destination's answer that was not 2xx, as what the delivery engine does next: 429 waits
 * `retryAfterMs` (null: none given, the engine backs off with jitter); 5xx and 408 are tried again
 * later; any other status (400, 401, 403, 404, 410 …) cannot succeed until the connector is fixed.
 * `retryAfterMs` rides on a `later` too (a 503 may carry one), though the engine backs off by its own.
 */
export function statusError(status: number, answer: string, retryAfterMs: number | null): TargetError {
  if (status === 429) return new TargetError('after', answer, retryAfterMs);
  if (status >= 500 || status === 408) return new TargetError('later', answer, retryAfterMs);
  return new TargetError('never', answer);
}

/** The result of a successful call: the destination's answer in a few words (e.g. `201 PROJ-12`), and the ref where one was made. */
export interface TargetAnswer {
  answer: string;
  ref: DeliveryRef;
}

/** What a logged reply is to the ingestor: replies to apply, or a delivery to keep as ignored (e.g. `not_ours`). */
export type NormalizedReplies = { replies: IncidentReply[] } | { ignored: IgnoredDelivery };

/**
 * A destination's webhooks back to Tributary (`POST /v1/hooks/{type}/{connectorId}`): what people did
 * about an incident in the tool its notice went to. Authenticated with the connector's signing
 * secret as the tool does it, checked for shape, logged, and normalized by the ingestor into replies
 * that name the catalog's incident. Pure: no I/O, no lookups (whether the incident exists, and is
 * this tenant's, is the ingestor's to find out).
 */
export interface ReplyIntake<C = unknown> extends HookIntake {
  /** A logged delivery as replies, or as ignored. Throws NormalizeError. */
  normalize(delivery: InboundDelivery, config: C): NormalizedReplies;
}

/** A destination. One object per type, registered once; its config schema is its documentation. */
export interface TargetConnector<C = unknown> extends ConnectorDeclaration<C> {
  readonly kind: 'target';
  readonly outboundUrls: readonly OutboundUrlField[];
  /**
   * Which rate limit a delivery spends: one key per place the destination limits separately (a
   * Slack channel), and the least time between two sends to it, in milliseconds (0: no limit of ours).
   */
  rateLimit(config: C): { key: string; minIntervalMs: number };
  /** The first message or ticket about an incident. Throws TargetError. */
  open(config: C, http: OutboundHttp, notice: IncidentNotice): Promise<TargetAnswer>;
  /**
   * A later change of the incident: edit the message (Slack `chat.update`), comment on the issue
   * (Jira; a transition too when resolved), note on the ticket (Freshdesk; status Resolved when
   * resolved); a new message where `ref` is null. Throws TargetError.
   */
  update(config: C, http: OutboundHttp, ref: DeliveryRef, notice: IncidentNotice): Promise<TargetAnswer>;
  /** One summary of several incidents (a rule's digest window). Throws TargetError. */
  digest(config: C, http: OutboundHttp, digest: DigestNotice): Promise<TargetAnswer>;
  /** One message or ticket about an owner lost, listing their assets (never edited later). Throws TargetError. */
  announce(config: C, http: OutboundHttp, notice: OwnerLossNotice): Promise<TargetAnswer>;
  /**
   * The message or ticket an earlier `open` for this incident made, where the destination can be
   * searched (Jira: the issue labelled with the incident): the delivery engine asks before opening
   * again after an attempt whose answer was lost, so that a retry never makes a second one. Null
   * when there is none. Throws TargetError.
   */
  find?(config: C, http: OutboundHttp, incidentId: string): Promise<DeliveryRef>;
  /** Likewise for `announce`: the issue or ticket an earlier attempt made about this owner loss, or null. Throws TargetError. */
  findAnnouncement?(config: C, http: OutboundHttp, lossId: string): Promise<DeliveryRef>;
  /** A test message or ticket, for `POST /v1/connectors/{id}/test`. Throws TargetError. */
  test(config: C, http: OutboundHttp): Promise<TargetAnswer>;
  /** Its webhooks back (Jira, Freshdesk, Slack); absent for a destination that sends none (Teams). */
  readonly replies?: ReplyIntake<C>;
}
