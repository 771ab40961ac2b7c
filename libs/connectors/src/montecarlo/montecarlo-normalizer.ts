import { createHash } from 'node:crypto';
import { INCIDENT_FIELDS, type IncidentField, type IncidentObservation, type ObservedTable } from '@tributary/contracts';
import { canonicalJson, parseExactJson } from './exact-json';
import type { MonteCarloEvent, MonteCarloWebhook } from './montecarlo-webhook.schema';
import { groupedTableId, mapTableRef, TableMappingRule } from './table-mapping';

export const MONTE_CARLO_SOURCE = 'montecarlo';

export type IncidentKind =
  | 'freshness'
  | 'volume'
  | 'schema'
  | 'field_health'
  | 'dimension'
  | 'json_schema'
  | 'custom_rule'
  | 'dbt'
  | 'performance'
  | 'deleted_table'
  | 'other';

/**
 * One webhook delivery as an {@link IncidentObservation}. Pure: the raw body is only hashed.
 * Never rejects a delivery for an unknown kind, status or severity: those map to `other`, `open`
 * and null, with the raw values kept where the observation has room for them.
 *
 * Updates are partial (the contract: "a field that is absent keeps its value"), so the observation
 * states only what the delivery says; every field still carries a value, which is what a new
 * incident starts with. What each field needs to be stated:
 * - `severity`: `declared_alert_severity` present; null states "unmarked", clearing the severity;
 * - `owner`, `rawStatus`, `url`: a non-blank value. A null `owner` or `alert_feedback` is what a
 *   creation carries (nobody has acted yet); the contract gives null no "cleared" meaning for them,
 *   so it states nothing, and the GraphQL reconciliation restores a real unassignment;
 * - `status`: feedback stated, or a raw type that itself resolves (`resolved_…_incident`);
 * - `tables`: an `event_list`, even empty;
 * - `type` and `rawType`: a kind the raw type names, or an event list to read a generic kind from;
 * - `title`: a sentence or rule description from the events (the type in words is only a default).
 */
export function normalizeMonteCarloWebhook(
  value: MonteCarloWebhook,
  rawBody: Buffer,
  rules: readonly TableMappingRule[],
): IncidentObservation {
  const { payload } = value;
  const eventList = payload.event_list ?? null;
  const events = eventList ?? [];
  const rawType = value.type;
  const feedback = nonBlank(updateField(payload.alert_feedback, value.alert_feedback));
  const severity = updateField(payload.declared_alert_severity, value.declared_alert_severity);
  const owner = nonBlank(updateField(payload.owner, value.owner))?.trim() ?? null;
  const url = nonBlank(payload.url);
  const type = incidentKindOf(rawType, events);
  const eventTitle = titleFromEvents(events);
  const time = sourceTimeOf(value);

  const stated: Record<IncidentField, boolean> = {
    type: type !== 'other' || eventList !== null,
    rawType: type !== 'other' || eventList !== null,
    severity: severity !== undefined,
    status: feedback !== null || resolvesByType(rawType),
    rawStatus: feedback !== null,
    title: eventTitle !== null,
    url: url !== null,
    owner: owner !== null,
    tables: eventList !== null,
  };
  return {
    source: MONTE_CARLO_SOURCE,
    externalId: payload.incident_id,
    type,
    rawType,
    severity: severity === undefined || severity === null ? null : normalizeSeverity(severity),
    status: monteCarloStatus(feedback, rawType),
    rawStatus: feedback,
    title: eventTitle ?? typeInWords(rawType),
    url,
    owner,
    tables: tablesOf(events, payload.group_id ?? null, rules, value.account?.id),
    sourceTime: time?.value ?? null,
    deliveryKey: deliveryKeyOf(payload.incident_id, rawType, time, rawBody),
    statedFields: INCIDENT_FIELDS.filter((field) => stated[field]),
  };
}

/**
 * `alert_feedback`, `declared_alert_severity` and `owner` may sit in `payload` or at the top level
 * (unconfirmed). The first non-null wins, payload first: a null in one place is "not set", not a
 * value that should hide a real one in the other. Undefined when neither place has the field; null
 * when one has it as null and neither a value.
 */
function updateField<T>(inPayload: T | null | undefined, atTop: T | null | undefined): T | null | undefined {
  const value = inPayload ?? atTop;
  if (value !== null && value !== undefined) return value;
  return inPayload === null || atTop === null ? null : undefined;
}

/** The text as sent, or null for none, null or blank. */
function nonBlank(value: string | null | undefined): string | null {
  return value?.trim() ? value : null;
}

// ---- kind -------------------------------------------------------------------------------------

/** Checked in order: the more specific words first (`json_schema` before `schema`). */
const KIND_PATTERNS: readonly [IncidentKind, RegExp][] = [
  ['custom_rule', /_(custom_(sql_)?rules?|sql_rules?|custom_sql)_/],
  ['json_schema', /_json_schema_/],
  ['deleted_table', /_(deleted_tables?|tables?_deleted)_/],
  ['dbt', /_dbt_/],
  ['performance', /_performance_/],
  ['freshness', /_freshness_/],
  ['volume', /_(volume|size|row_count)_/],
  ['dimension', /_dimension_/],
  ['field_health', /_(field_(health|metrics?|quality)|metrics?)_/],
  ['schema', /_(schema|fields?_(added|removed|changed))_/],
];

/** `OpenCustomRule-anomaly incident` → `_open_custom_rule_anomaly_incident_`, for whole-word matching. */
function words(raw: string): string {
  const snake = raw.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return `_${snake.replace(/^_+|_+$/g, '')}_`;
}

/**
 * The normalized kind of a Monte Carlo incident type: the webhook `type` (the kind plus the
 * transition, `open_custom_rule_anomaly_incident`), a GraphQL incident type (`CUSTOM_RULE_ANOMALIES`)
 * or sub-type (`freshness_anomaly`, `sql_rule_breach`). Unknown → `other`.
 */
export function classifyMonteCarloKind(raw: string): IncidentKind {
  const w = words(raw);
  return KIND_PATTERNS.find(([, pattern]) => pattern.test(w))?.[0] ?? 'other';
}

/**
 * `open_anomaly_incident` (GraphQL `ANOMALIES`) covers freshness and volume anomalies alike; the
 * contract's example event reads "Has 42 rows vs. 101 expected". For that generic kind only, the
 * events decide: a rule type first, then the wording of the event details. Still unknown → `other`.
 */
function incidentKindOf(rawType: string, events: readonly MonteCarloEvent[]): IncidentKind {
  const kind = classifyMonteCarloKind(rawType);
  if (kind !== 'other' || !/_anomal(y|ies)_/.test(words(rawType))) return kind;
  for (const event of events) {
    const ruleType = event.rule?.rule_type;
    const fromRule = ruleType ? classifyMonteCarloKind(ruleType) : 'other';
    if (fromRule !== 'other') return fromRule;
    const fromDetails = event.event_details ? kindFromDetails(event.event_details) : 'other';
    if (fromDetails !== 'other') return fromDetails;
  }
  return 'other';
}

function kindFromDetails(details: string): IncidentKind {
  if (/\b(rows?|row count|size|volume)\b/i.test(details)) return 'volume';
  if (/\b(fresh(ness)?|stale|(not been |last |un)?updated?)\b/i.test(details)) return 'freshness';
  return 'other';
}

// ---- status and severity ----------------------------------------------------------------------

/** `No Action Needed`, `no-action-needed`, `NO_ACTION_NEEDED` → `no_action_needed`. */
function token(raw: string): string {
  return raw.trim().toLowerCase().replace(/[\s_-]+/g, '_');
}

/**
 * Feedback values that close the incident: the contract's four, and no more, so that this and the
 * GraphQL normalizer never disagree about one state. Naming is unconfirmed, so spellings are folded
 * by {@link token}. `no_status`, `investigating`, `acknowledged`, `work_in_progress` and anything
 * unknown leave it open; the raw value is kept either way.
 */
const RESOLVED_FEEDBACK = new Set(['fixed', 'expected', 'no_action_needed', 'false_positive']);

/**
 * Open or resolved, from the feedback and the raw type: a transition type such as
 * `resolved_anomaly_incident` or `incident_closed` resolves whatever the feedback says.
 */
export function monteCarloStatus(feedback: string | null, rawType = ''): 'open' | 'resolved' {
  if (resolvesByType(rawType)) return 'resolved';
  return feedback !== null && RESOLVED_FEEDBACK.has(token(feedback)) ? 'resolved' : 'open';
}

/** A transition type that resolves the incident whatever the feedback says. */
function resolvesByType(rawType: string): boolean {
  return /_(resolved?|closed?)_/.test(words(rawType));
}

/** `SEV-2`, `sev_2`, `Sev 2`, `SEV2`, `2` and 2 → `SEV-2`; anything else (a `SEV-5`, `high`) → null. */
export function normalizeSeverity(raw: string | number): string | null {
  const m = /^(?:sev[\s_-]*)?([1-4])$/i.exec(String(raw).trim());
  return m ? `SEV-${m[1]}` : null;
}

// ---- title and tables -------------------------------------------------------------------------

/** The first event's own sentence, else the first rule's description; null when the events give neither. */
function titleFromEvents(events: readonly MonteCarloEvent[]): string | null {
  for (const event of events) {
    const details = event.event_details?.trim();
    if (details) return details;
  }
  for (const event of events) {
    const description = event.rule?.description?.trim();
    if (description) return description;
  }
  return null;
}

/** `open_anomaly_incident` → `Open anomaly incident`: the title of an incident whose events give none. */
function typeInWords(rawType: string): string {
  const readable = words(rawType).replace(/_/g, ' ').trim();
  return readable ? readable[0].toUpperCase() + readable.slice(1) : rawType;
}

/**
 * Every table the events name: each non-null `table_name` and each `mcon`, in event order. A bare
 * table name with the payload's `group_id` as its `database:schema` is read as the full table id
 * the two make (see {@link groupedTableId}). A ref named twice is one table; two refs that map to
 * the same catalog asset (a table id and its MCON, two fields of one table) are one table too,
 * kept under the first ref. Refs no rule maps stay, unresolved, so the incident can attach when
 * the asset appears.
 */
function tablesOf(events: readonly MonteCarloEvent[], groupId: string | null, rules: readonly TableMappingRule[], account: string | undefined): ObservedTable[] {
  const refs = new Set<string>();
  for (const event of events) {
    if (event.table_name) refs.add((groupId && groupedTableId(groupId, event.table_name)) || event.table_name);
    if (event.mcon) refs.add(event.mcon);
  }
  const tables: ObservedTable[] = [];
  const mapped = new Set<string>();
  for (const ref of refs) {
    const { qualifiedName } = mapTableRef(ref, rules, { account });
    if (qualifiedName !== null) {
      if (mapped.has(qualifiedName)) continue;
      mapped.add(qualifiedName);
    }
    tables.push({ ref, qualifiedName });
  }
  return tables;
}

// ---- time and delivery key --------------------------------------------------------------------

interface SourceTime {
  value: string;
  /** whether the time changes with each state (an update time) rather than once per incident */
  perState: boolean;
}

/**
 * The payload's own time for this state. The contract says deliveries carry none; these fields are
 * read in case one appears, update times first. `created_time` comes last and is marked as not
 * per-state: it stays the same across an incident's updates.
 */
function sourceTimeOf(value: MonteCarloWebhook): SourceTime | null {
  const { payload } = value;
  const candidates: [unknown, boolean][] = [
    [payload.updated_time, true],
    [payload.updated_at, true],
    [payload.event_time, true],
    [payload.timestamp, true],
    [value.timestamp, true],
    [payload.created_time, false],
  ];
  for (const [raw, perState] of candidates) {
    const time = toRfc3339(raw);
    if (time !== null) return { value: time, perState };
  }
  return null;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH = /^\d+(?:\.\d+)?$/;
/** Below this an epoch number is seconds (1e11 s is the year 5138), at or above it milliseconds. */
const EPOCH_MILLIS_FROM = 1e11;

/**
 * An ISO 8601 string (a missing offset is read as UTC: Monte Carlo's Python backend writes naive
 * UTC times) or epoch seconds/milliseconds, as a number or a string of digits → RFC 3339 UTC with
 * milliseconds (`2024-05-01T12:00:00.000Z`; finer fractions are truncated). Null for anything
 * else, for times at or before the epoch, and past year 9999.
 */
export function toRfc3339(raw: unknown): string | null {
  let millis: number | null = null;
  if (typeof raw === 'number') millis = epochMillis(raw);
  else if (typeof raw === 'string') {
    const s = raw.trim();
    millis = EPOCH.test(s) ? epochMillis(Number(s)) : isoMillis(s);
  }
  if (millis === null || !Number.isFinite(millis) || millis <= 0) return null;
  const date = new Date(millis);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999) return null;
  return date.toISOString();
}

function epochMillis(n: number): number | null {
  if (!Number.isFinite(n)) return null;
  return Math.round(n < EPOCH_MILLIS_FROM ? n * 1000 : n);
}

function isoMillis(s: string): number | null {
  const m = ISO_TIME.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', fraction = '', offset = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  if (new Date(utc).getUTCDate() !== day) return null; // 2024-02-30
  return utc - offsetMinutes(offset) * 60_000;
}

function offsetMinutes(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

/**
 * `montecarlo:<incident id>:<raw type>:<time>` when the payload carries a per-state time, else
 * `montecarlo:<incident id>:<raw type>:<sha256 of the canonical body>`. Canonical = sorted keys, no
 * whitespace, numbers by value (see {@link canonicalJson}), so a redelivery that re-serializes the
 * same body dedups, while any change of state (feedback, owner, severity) changes the key. A
 * creation time is not used: every update of an incident shares it, and updates would be dropped
 * as redeliveries.
 */
function deliveryKeyOf(incidentId: string, rawType: string, time: SourceTime | null, rawBody: Buffer): string {
  const prefix = `${MONTE_CARLO_SOURCE}:${incidentId}:${rawType}`;
  if (time?.perState) return `${prefix}:${time.value}`;
  return `${prefix}:${bodyHash(rawBody)}`;
}

function bodyHash(rawBody: Buffer): string {
  const node = parseExactJson(rawBody.toString('utf8').replace(/^\ufeff/, ''));
  // The body was already parsed to get here; hashing the bytes only covers bodies our reader refuses.
  const canonical = node ? Buffer.from(canonicalJson(node), 'utf8') : rawBody;
  return createHash('sha256').update(canonical).digest('hex');
}
