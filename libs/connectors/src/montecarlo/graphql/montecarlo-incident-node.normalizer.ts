import { createHash } from 'node:crypto';
import { INCIDENT_FIELDS, type IncidentObservation, type ObservedTable } from '@tributary/contracts';
import type { MonteCarloAlertNode, MonteCarloIncidentNode, MonteCarloTableRef } from './montecarlo-graphql.schema';
import { canonicalMonteCarloTime } from './montecarlo-time';

/** Builds the catalog qualified name for a Monte Carlo table ref, or null when no mapping applies. */
export type MonteCarloTableMapper = (ref: string) => string | null;

const SOURCE = 'montecarlo';

/**
 * Sub-types name the kind precisely, so they are consulted first. The first nine are the ones
 * Tributary's contract lists; the others are further `IncidentSubType` values from Monte Carlo's
 * published schema, mapped by what they describe (size changes are volume, SLI breaches keep their
 * metric).
 */
const KIND_BY_SUB_TYPE: Readonly<Record<string, string>> = {
  freshness_anomaly: 'freshness',
  volume_anomaly: 'volume',
  fields_added: 'schema',
  fields_removed: 'schema',
  fields_changed: 'schema',
  field_metrics_anomaly: 'field_health',
  dimension_anomaly: 'dimension',
  sql_rule_breach: 'custom_rule',
  dbt_test_failure: 'dbt',
  dbt_model_error: 'dbt',
  freshness_sli_rule_breach: 'freshness',
  volume_sli_rule_breach: 'volume',
  abnormal_size_change: 'volume',
  unchanged_size: 'volume',
  data_added: 'volume',
  data_removed: 'volume',
};

/**
 * The incident type, when no sub-type decides. ANOMALIES (freshness or volume) is absent on
 * purpose: only its sub-type says which, and without one the kind is `other`.
 */
const KIND_BY_TYPE: Readonly<Record<string, string>> = {
  custom_rule_anomalies: 'custom_rule',
  dbt_errors: 'dbt',
  deleted_tables: 'deleted_table',
  metric_anomalies: 'field_health',
  performance_anomalies: 'performance',
  schema_changes: 'schema',
};

/** The alerts model's type vocabulary is *unconfirmed*; a value that already is a kind is taken as one. */
const KINDS = new Set(['freshness', 'volume', 'schema', 'field_health', 'dimension', 'json_schema', 'custom_rule', 'dbt', 'performance', 'deleted_table']);

/**
 * Feedback/status values that close an incident. Monte Carlo spells them in upper case in GraphQL
 * (`FIXED`) and in lower case in webhooks (`fixed`); both compare equal after normalization. The
 * set matches the webhook normalizer's (`resolved`/`closed` included), so one incident seen through
 * both paths never flips. Any other value (`INVESTIGATING`, `no_status`, `work_in_progress`, none)
 * leaves it open.
 */
const RESOLVED = new Set(['fixed', 'expected', 'no_action_needed', 'false_positive', 'resolved', 'closed']);

/**
 * One `getIncidents` node as an observation of the incident's full current state (every field but
 * a title or url the node does not carry).
 *
 * `sourceTime` is the incident's last-modified time: the latest of `updatedTime`, `feedbackTime`
 * and `createdTime` (feedback changes carry their own time, which `updatedTime` may not reflect),
 * canonicalized to UTC with millisecond precision, as the webhook normalizer does.
 *
 * `deliveryKey` is `montecarlo:<uuid>:<rawType>:<sourceTime>` when that time is a per-state time
 * (`updatedTime` or `feedbackTime`). Two observations share a key, and so dedup as a redelivery, only
 * when they report the same incident, raw type and time. A webhook delivery and a backfill of the
 * same state therefore dedup only when both report the same time and raw type; today they do not
 * (webhooks carry no time and another type vocabulary, so their key is a body hash) and both are
 * applied: harmless, because applying is idempotent and the ingestor orders states by
 * `sourceTime`, never letting an older one win.
 *
 * When the latest time is `createdTime` (the incident was never updated) the key ends in a hash of
 * the node instead: every state of an incident shares its creation time, and a later change
 * that Monte Carlo did not stamp with an update time would otherwise be dropped as a redelivery.
 * Whether Monte Carlo bumps `updatedTime` on every change (owner, severity) is *unconfirmed*.
 */
export function normalizeIncidentNode(node: MonteCarloIncidentNode, mapTable: MonteCarloTableMapper): IncidentObservation {
  const subTypes = node.incidentSubTypes ?? [];
  return observation({
    node,
    externalId: node.uuid,
    rawType: nonEmpty(node.incidentType) ?? nonEmpty(subTypes[0]) ?? 'unknown',
    kindCandidates: [...subTypes, node.incidentType],
    rawStatus: nonEmpty(node.feedback) ?? nonEmpty(node.status),
    stateTimes: [node.updatedTime, node.feedbackTime],
    createdTime: node.createdTime,
    tableRefs: [...(node.tables ?? []), ...eventTables(node.events)],
    mapTable,
  });
}

/**
 * One `getAlerts` node (the newer alerts model) as an observation; same rules as incidents. The
 * external id is the alert's `uuid`, falling back to `id` where only that is returned (whether `id`
 * is the same UUID or a relay global id is *unconfirmed*). The status comes from `status`, falling
 * back to `feedback`.
 */
export function normalizeAlertNode(node: MonteCarloAlertNode, mapTable: MonteCarloTableMapper): IncidentObservation {
  const subTypes = node.subTypes ?? [];
  return observation({
    node,
    externalId: (nonEmpty(node.uuid) ?? nonEmpty(node.id))!,
    rawType: nonEmpty(node.type) ?? nonEmpty(subTypes[0]) ?? 'unknown',
    kindCandidates: [...subTypes, node.type],
    rawStatus: nonEmpty(node.status) ?? nonEmpty(node.feedback),
    stateTimes: [node.updatedTime],
    createdTime: node.createdTime,
    tableRefs: node.tables ?? [],
    mapTable,
  });
}

interface ObservationParts {
  node: MonteCarloIncidentNode | MonteCarloAlertNode;
  externalId: string;
  rawType: string;
  kindCandidates: ReadonlyArray<string | null | undefined>;
  rawStatus: string | null;
  /** times that change with each state */
  stateTimes: ReadonlyArray<string | null | undefined>;
  createdTime: string | null | undefined;
  tableRefs: ReadonlyArray<MonteCarloTableRef | null>;
  mapTable: MonteCarloTableMapper;
}

function observation(parts: ObservationParts): IncidentObservation {
  const { node, externalId, rawType, rawStatus } = parts;
  const stateTime = latest(parts.stateTimes);
  const createdTime = latest([parts.createdTime]);
  const perState = stateTime !== null && (createdTime === null || stateTime >= createdTime);
  const sourceTime = perState ? stateTime : createdTime;
  const title = nonEmpty(node.title);
  const url = nonEmpty(node.url);
  return {
    source: SOURCE,
    externalId,
    type: kindOf(parts.kindCandidates),
    rawType,
    severity: severityOf(node.severity),
    status: rawStatus !== null && RESOLVED.has(token(rawStatus)) ? 'resolved' : 'open',
    rawStatus,
    title,
    url,
    owner: ownerOf(node.owner),
    tables: observedTables(parts.tableRefs, parts.mapTable),
    sourceTime,
    deliveryKey: `${SOURCE}:${externalId}:${rawType}:${perState ? stateTime : `sha256:${sha256(stableJson(node))}`}`,
    // A node is the incident's whole state, but `getIncidents` selects no title or url (and an
    // alert may lack them): what the node does not carry is not stated, so the webhook's stays.
    statedFields: INCIDENT_FIELDS.filter((field) => (field !== 'title' || title !== null) && (field !== 'url' || url !== null)),
  };
}

function kindOf(candidates: ReadonlyArray<string | null | undefined>): string {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const t = token(candidate);
    const kind = KIND_BY_SUB_TYPE[t] ?? KIND_BY_TYPE[t] ?? (KINDS.has(t) ? t : undefined);
    if (kind) return kind;
  }
  return 'other';
}

/** `SEV-1` … `SEV-4`; also read from `sev_1`, `SEV1`, `Sev 2`, `2`. Anything else is no severity. */
function severityOf(raw: string | null | undefined): string | null {
  const m = raw ? /^(?:sev[\s_-]*)?([1-4])$/i.exec(raw.trim()) : null;
  return m ? `SEV-${m[1]}` : null;
}

function ownerOf(owner: MonteCarloIncidentNode['owner']): string | null {
  if (typeof owner === 'string') return nonEmpty(owner);
  return nonEmpty(owner?.email);
}

function eventTables(events: MonteCarloIncidentNode['events']): MonteCarloTableRef[] {
  if (!events) return [];
  const nodes = Array.isArray(events) ? events : events.edges.map((edge) => edge?.node);
  return nodes.flatMap((event) => (event?.table ? [event.table] : []));
}

/**
 * Each table once, in first-seen order. Monte Carlo names a table by its full table id
 * (`db:schema.table`, the form webhooks use) and by its MCON, which also names the warehouse
 * resource, so a mapping keyed on the resource can place only the MCON. The table id is tried
 * first, then the MCON; the ref kept is the one that mapped. A table neither maps is kept with a
 * null qualified name, under its MCON when it has one (the fuller id, for resolving it when the
 * asset appears). Two refs that map to one asset are one table.
 */
function observedTables(refs: ReadonlyArray<MonteCarloTableRef | null>, mapTable: MonteCarloTableMapper): ObservedTable[] {
  const seenRefs = new Set<string>();
  const seenNames = new Set<string>();
  const tables: ObservedTable[] = [];
  for (const table of refs) {
    const ids = typeof table === 'string' ? [nonEmpty(table)] : [nonEmpty(table?.fullTableId), nonEmpty(table?.mcon)];
    const candidates = ids.filter((id): id is string => id !== null);
    if (candidates.length === 0 || candidates.some((id) => seenRefs.has(id))) continue;
    candidates.forEach((id) => seenRefs.add(id));
    let observed: ObservedTable = { ref: candidates[candidates.length - 1]!, qualifiedName: null };
    for (const ref of candidates) {
      const qualifiedName = mapTable(ref);
      if (qualifiedName !== null) {
        observed = { ref, qualifiedName };
        break;
      }
    }
    if (observed.qualifiedName !== null) {
      if (seenNames.has(observed.qualifiedName)) continue;
      seenNames.add(observed.qualifiedName);
    }
    tables.push(observed);
  }
  return tables;
}

function latest(times: ReadonlyArray<string | null | undefined>): string | null {
  const canonical = times.flatMap((t) => (t ? [canonicalMonteCarloTime(t)] : [])).filter((t): t is string => t !== null);
  // Canonical ISO strings of one format and zone sort chronologically.
  return canonical.length ? canonical.reduce((a, b) => (b > a ? b : a)) : null;
}

function token(value: string): string {
  return value.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function nonEmpty(value: string | null | undefined): string | null {
  return value && value.trim() ? value : null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so one payload always hashes alike. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
