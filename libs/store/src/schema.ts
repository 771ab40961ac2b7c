import { ColumnType, Generated } from 'kysely';

/** Column types of the tables, as Kysely sees them. Tables are unqualified: search_path picks the schema. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string, string>;

export interface TenantsTable {
  id: string;
  name: string;
  placement: 'pooled' | 'schema' | 'dedicated';
  data_schema: string;
  database_url_sealed: string | null;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  roles: string[];
  platform_admin: boolean;
  secret_hash: Buffer;
  created_by: string;
  created_at: Timestamp;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface ConnectorsTable {
  id: string;
  tenant_id: string;
  type: string;
  name: string;
  config: Json;
  secrets_sealed: string;
  enabled: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface ControlSchema {
  'tributary.tenants': TenantsTable;
  'tributary.api_keys': ApiKeysTable;
  'tributary.connectors': ConnectorsTable;
  'tributary.relay_offsets': { tenant_id: string; sequence: number };
  'tributary.held_records': HeldRecordsTable;
  'tributary.held_tenants': HeldTenantsTable;
}

export interface HeldRecordsTable {
  id: Generated<number>;
  group_id: string;
  stream: string;
  tenant_id: string;
  record_offset: string;
  key: string;
  value: Buffer;
  headers: Json<Record<string, string>>;
  appended_at: Date;
  held_at: Timestamp;
}

export interface HeldTenantsTable {
  group_id: string;
  stream: string;
  tenant_id: string;
  failures: Generated<number>;
  retry_at: Timestamp;
  last_error: string | null;
  held_since: Timestamp;
  drained_until: Date | null;
}

export interface AssetsTable {
  id: Generated<number>;
  tenant_id: string;
  qualified_name: string;
  type_name: string;
  name: string | null;
  attributes: Json;
  version: number;
  upstream_open_incidents: Generated<number>;
  derived_attributes: Generated<Json>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface LineageEdgesTable {
  tenant_id: string;
  src_id: number;
  dst_id: number;
  process: string | null;
  created_at: Timestamp;
}

export interface ClassificationsTable {
  id: Generated<number>;
  tenant_id: string;
  asset_id: number;
  name: string;
  source: 'direct' | 'propagated';
  propagate: boolean;
  propagated_from_id: number | null;
  rule_id: string | null;
  depth: number | null;
  created_at: Timestamp;
}

export interface IncidentsTable {
  id: string;
  tenant_id: string;
  source: string;
  external_id: string;
  type: string;
  raw_type: string | null;
  severity: string | null;
  status: 'open' | 'resolved';
  raw_status: string | null;
  title: string | null;
  url: string | null;
  owner: string | null;
  started_at: Timestamp;
  updated_at: Timestamp;
  source_time: Date | null;
  connector_id: string | null;
  raw: Json;
  /** first time the source status meant acknowledged (migration 14) */
  acknowledged_at: Generated<Date | null>;
  /** when it turned resolved; null while open */
  resolved_at: Generated<Date | null>;
}

export interface IncidentAssetsTable {
  tenant_id: string;
  incident_id: string;
  qualified_name: string | null;
  source_ref: string;
  asset_id: number | null;
  /** whether the incident is open, and open with a critical severity (kept with the incident) */
  open: boolean;
  critical: boolean;
}

export interface ChangeEventsTable {
  tenant_id: string;
  sequence: number;
  id: string;
  type: string;
  subject: string;
  time: Timestamp;
  origin: string;
  traceparent: string | null;
  data: Json;
  /** Avro single-object ChangeEvent; null on rows written before it was stored */
  payload: Buffer | null;
}

/** The incident-facts outbox (tenant-data migration 15). */
export interface IncidentFactsTable {
  tenant_id: string;
  /** the sequence of the change event that carried the change */
  sequence: number;
  /** that change event's id */
  id: string;
  /** the record key: tenant/incident */
  key: string;
  time: Timestamp;
  traceparent: string | null;
  /** Avro single-object IncidentFact */
  payload: Buffer;
}

export interface TenantSequencesTable {
  tenant_id: string;
  last_sequence: number;
}

export interface ProcessedEventsTable {
  tenant_id: string;
  event_key: string;
  processed_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string;
  at: Timestamp;
  actor: string;
  action: string;
  subject: string | null;
  details: Json;
}

export interface NotificationDeliveriesTable {
  tenant_id: string;
  id: string;
  rule_id: string;
  connector_id: string;
  incident_id: string | null;
  owner_loss: string | null;
  notice: Json<Record<string, unknown>> | null;
  digest: boolean;
  wanted_sequence: number;
  sent_sequence: Generated<number>;
  sent_status: string | null;
  ref: Json<Record<string, string>> | null;
  status: string;
  attempts: Json<unknown[]>;
  attempt_count: Generated<number>;
  limited_count: Generated<number>;
  next_attempt_at: Date | null;
  claimed_until: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface NotificationSlotsTable {
  tenant_id: string;
  key: string;
  next_at: Date;
}

export interface DeadLettersTable {
  id: string;
  tenant_id: string;
  stream: string;
  reason: string;
  payload: Json<unknown>;
  created_at: Timestamp;
  replayed_at: Date | null;
  record_identity: string | null;
}

export interface IgnoredDeliveriesTable {
  tenant_id: string;
  id: string;
  connector_id: string;
  received_at: Date;
  reason: string;
  action: string | null;
  type: string | null;
  version: string | null;
  body: string;
}

export interface PipelineLatencyTable {
  tenant_id: string;
  stage: 'ingest' | 'propagation';
  minute: Date;
  count: number;
  sum_ms: number;
  max_ms: number;
  buckets: number[];
}

export interface BackfillsTable {
  id: string;
  tenant_id: string;
  connector_id: string;
  since: Date;
  until: Date | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  cursor: ColumnType<{ after?: string | null; stream?: string }, string | undefined, string>;
  pages: Generated<number>;
  observations: Generated<number>;
  attempts: Generated<number>;
  rate_limited: Generated<number>;
  last_error: string | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
  lease_owner: string | null;
  lease_until: Date | null;
}

export interface RulesTable {
  id: string;
  tenant_id: string;
  name: string;
  builtin: Generated<boolean>;
  enabled: Generated<boolean>;
  trigger: string[];
  filter: string | null;
  action: Json;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PropagationsTable {
  tenant_id: string;
  rule_id: string;
  source_id: number;
  key: string;
  asset_id: number;
  depth: number;
  value: Json<unknown>;
}

export interface PropagationGenerationsTable {
  tenant_id: string;
  rule_id: string;
  source_id: number;
  key: string;
  generation: number;
  partitions: number;
  updated_at: Timestamp;
}

export interface OpenLineageJobsTable {
  tenant_id: string;
  process: string;
  last_complete_at: Date;
  last_run_id: string | null;
  edges_digest: string;
}

export interface AtlasProcessEdgesTable {
  tenant_id: string;
  process: string;
  src_id: number;
  dst_id: number;
}

export interface OpenLineageJobEdgesTable {
  tenant_id: string;
  process: string;
  src_id: number;
  dst_id: number;
}

export interface ColumnLineageTable {
  tenant_id: string;
  asset_id: number;
  fields: Json;
  event_time: Date;
}

export interface DatasetSchemasTable {
  tenant_id: string;
  asset_id: number;
  event_time: Date;
}

export interface TenantDataSchema {
  openlineage_jobs: OpenLineageJobsTable;
  dataset_schemas: DatasetSchemasTable;
  openlineage_job_edges: OpenLineageJobEdgesTable;
  atlas_process_edges: AtlasProcessEdgesTable;
  column_lineage: ColumnLineageTable;
  rules: RulesTable;
  propagations: PropagationsTable;
  propagation_generations: PropagationGenerationsTable;
  backfills: BackfillsTable;
  tenant_sequences: TenantSequencesTable;
  assets: AssetsTable;
  lineage_edges: LineageEdgesTable;
  classifications: ClassificationsTable;
  incidents: IncidentsTable;
  incident_assets: IncidentAssetsTable;
  change_events: ChangeEventsTable;
  incident_facts: IncidentFactsTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_slots: NotificationSlotsTable;
  processed_events: ProcessedEventsTable;
  audit_log: AuditLogTable;
  dead_letters: DeadLettersTable;
  ignored_deliveries: IgnoredDeliveriesTable;
  pipeline_latency: PipelineLatencyTable;
}
