import { z } from 'zod';

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
