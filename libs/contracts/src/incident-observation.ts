/** The fields of an observation that a partial update may leave out (each keeps its stored value then). */
export const INCIDENT_FIELDS = ['type', 'rawType', 'severity', 'status', 'rawStatus', 'title', 'url', 'owner', 'tables'] as const;
export type IncidentField = (typeof INCIDENT_FIELDS)[number];

/**
 * What a source tells us about one incident at one moment: its current state as the source sees
 * it, whole or in part (`statedFields`). Sources differ (webhook deliveries, GraphQL pages); every
 * one is normalized to this shape before the ingestor applies it. Whether it opens, updates or
 * resolves the incident is decided at apply time, against what the store already holds.
 */
export interface IncidentObservation {
  /** the source system, e.g. `montecarlo` */
  source: string;
  /** the source's own incident id (Monte Carlo `incident_id`) */
  externalId: string;
  /** normalized kind: freshness, volume, schema, field_health, dimension, json_schema, custom_rule, dbt, performance, deleted_table, other */
  type: string;
  /** the source's own kind, kept verbatim (e.g. `open_custom_rule_anomaly_incident`) */
  rawType: string;
  /** `SEV-1` … `SEV-4`, or null when the source gives none */
  severity: string | null;
  status: 'open' | 'resolved';
  /** the source's own status, kept verbatim (e.g. `fixed`, `no_status`), or null */
  rawStatus: string | null;
  title: string | null;
  url: string | null;
  owner: string | null;
  /** every table the incident touches */
  tables: ObservedTable[];
  /** the source's own time for this state (RFC 3339), when the payload carries one */
  sourceTime: string | null;
  /**
   * Identifies this delivery of this state, for deduplication: the same key twice is the same
   * observation (a redelivery). Derived from the incident id, the source type and the source time
   * or, when there is none, a hash of the payload.
   */
  deliveryKey: string;
  /**
   * The fields this observation states. A field left out keeps the incident's stored value (a
   * partial update: Monte Carlo sends only what changed); for a new incident every field is taken
   * as observed. Null states every field: a full state (a GraphQL node) and every v1 record.
   */
  statedFields: IncidentField[] | null;
}

/** The fields an observation states (see `statedFields`); unknown names are ignored. */
export function statedFieldsOf(observation: Pick<IncidentObservation, 'statedFields'>): ReadonlySet<IncidentField> {
  const stated = observation.statedFields;
  return new Set(stated === null || stated === undefined ? INCIDENT_FIELDS : INCIDENT_FIELDS.filter((f) => stated.includes(f)));
}

export interface ObservedTable {
  /** the source's own table id, e.g. `analytics:public.orders`, or an MCON */
  ref: string;
  /** the catalog qualified name the connector's mapping builds, or null when no mapping applies */
  qualifiedName: string | null;
}
