import { z } from 'zod';
import type { IgnoredDelivery } from '../source-connector';

/*
 * The legacy Monte Carlo incident webhook (`version: "v0.1"`). Every object is loose: Monte Carlo
 * adds fields over time and an unknown field must never cost us a delivery. The fields we read are
 * typed, and a wrong type on one of them fails the parse. Fields are optional unless the connector
 * cannot work without them (the incident id and the kind).
 */

const optionalText = z.string().nullable().optional();

/** A time in the payload: an ISO 8601 string or epoch seconds/milliseconds (which one is unconfirmed). */
const optionalTime = z.union([z.string(), z.number()]).nullable().optional();

/**
 * The fields an update delivery changes. Whether Monte Carlo puts them inside `payload` or at the
 * top level is unconfirmed, so both places accept them. `declared_alert_severity` is `SEV-1`..`SEV-4`
 * in the docs; a bare number is accepted in case a delivery sends the level alone.
 */
const updateFields = {
  alert_feedback: optionalText,
  declared_alert_severity: z.union([z.string(), z.number()]).nullable().optional(),
  owner: optionalText,
};

export const MonteCarloEvent = z.looseObject({
  /** the full table id, `database:schema.table`; null for rules bound to no table */
  table_name: optionalText,
  /** the Monte Carlo object id, when the event carries one */
  mcon: optionalText,
  /** a sentence such as "Has 42 rows vs. 101 expected" */
  event_details: optionalText,
  /** metric details (hits, rule_comparisons, ...): kept, never read */
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  rule: z.looseObject({ uuid: optionalText, rule_type: optionalText, description: optionalText }).nullable().optional(),
});
export type MonteCarloEvent = z.infer<typeof MonteCarloEvent>;

export const MonteCarloWebhookPayload = z.looseObject({
  incident_id: z.string().min(1, 'the incident id must not be empty'),
  url: optionalText,
  group_id: optionalText,
  event_list: z.array(MonteCarloEvent).nullable().optional(),
  ...updateFields,
  // The contract says deliveries carry no time; these names are guesses at where one would appear.
  updated_time: optionalTime,
  updated_at: optionalTime,
  event_time: optionalTime,
  timestamp: optionalTime,
  created_time: optionalTime,
});
export type MonteCarloWebhookPayload = z.infer<typeof MonteCarloWebhookPayload>;

export const MonteCarloWebhook = z.looseObject({
  account: z.looseObject({ id: z.string() }).optional(),
  action: z.string().optional(),
  /** the incident kind and transition, e.g. `open_custom_rule_anomaly_incident`; any value is kept */
  type: z.string().min(1, 'the type must not be empty'),
  version: z.string().optional(),
  payload: MonteCarloWebhookPayload,
  ...updateFields,
  timestamp: optionalTime,
});
export type MonteCarloWebhook = z.infer<typeof MonteCarloWebhook>;

export interface WebhookIssue {
  /** where the problem is, e.g. `payload.event_list[0].table_name`; `(body)` for the body itself */
  path: string;
  message: string;
}

export type ParsedMonteCarloWebhook = { ok: true; value: MonteCarloWebhook } | { ok: false; issues: WebhookIssue[] };

/** Parses a JSON-decoded body into a webhook; on failure, every failing path with its message. */
export function parseMonteCarloWebhook(body: unknown): ParsedMonteCarloWebhook {
  const parsed = MonteCarloWebhook.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) };
}

function pathOf(path: readonly PropertyKey[]): string {
  const joined = path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    '',
  );
  return joined || '(body)';
}

/** The payload versions read as incidents: the legacy incident webhook's. A delivery without one is read as it. */
const INCIDENT_VERSIONS = new Set(['v0.1']);
/** Longest action, type or version kept with an ignored delivery (they are the sender's text). */
const LABEL_CHARS = 200;

/** What a delivery is: an incident to apply, one to acknowledge and keep but not apply, or a malformed incident. */
export type ClassifiedMonteCarloDelivery =
  | { kind: 'incident'; value: MonteCarloWebhook }
  | { kind: 'ignored'; ignored: IgnoredDelivery }
  | { kind: 'invalid'; issues: WebhookIssue[] };

/** Just enough of the envelope to tell an incident from anything else Monte Carlo may send. */
const Envelope = z.looseObject({ action: z.string().nullish(), version: z.string().nullish() });

/**
 * Monte Carlo sends more than incidents (the contract: `action: "monitor"` events, other
 * `version`s), and a 4xx makes it count the webhook as failing. So, in this order:
 * 1. a body that is not a JSON object, or whose `action` or `version` is not text: invalid (422);
 * 2. an `action` other than `incident`: ignored, `not_an_incident`;
 * 3. a `version` other than the legacy incident webhook's `v0.1`: ignored, `unsupported_version`;
 * 4. no `payload.incident_id` (absent or null, or no payload object): ignored, `no_incident_id`;
 * 5. anything else claims to be an incident and must parse as one: a wrong-typed field (an incident
 *    id that is a number or empty, a missing `type`, a non-list `event_list`) is invalid (422), since
 *    Monte Carlo never sends one and a 202 would hide a broken sender.
 * An ignored delivery is still logged, kept and counted; it never reaches the catalog.
 */
export function classifyMonteCarloDelivery(body: unknown): ClassifiedMonteCarloDelivery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', issues: [{ path: '(body)', message: 'expected a JSON object' }] };
  }
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', issues: envelope.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) };
  const { action, version } = envelope.data;
  const type = (body as { type?: unknown }).type;
  const ignored = (reason: string): ClassifiedMonteCarloDelivery => ({ kind: 'ignored', ignored: {
    reason, action: label(action), type: typeof type === 'string' ? label(type) : null, version: label(version),
  } });
  if (action !== null && action !== undefined && action.trim().toLowerCase() !== 'incident') return ignored('not_an_incident');
  if (version !== null && version !== undefined && !INCIDENT_VERSIONS.has(version.trim().toLowerCase())) return ignored('unsupported_version');
  const payload = (body as { payload?: unknown }).payload;
  const incidentId = typeof payload === 'object' && payload !== null ? (payload as { incident_id?: unknown }).incident_id : undefined;
  if (incidentId === undefined || incidentId === null) return ignored('no_incident_id');
  const parsed = parseMonteCarloWebhook(body);
  return parsed.ok ? { kind: 'incident', value: parsed.value } : { kind: 'invalid', issues: parsed.issues };
}

function label(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : text.slice(0, LABEL_CHARS);
}
