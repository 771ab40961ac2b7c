import { z } from 'zod';
import type { OutboundTarget } from '@tributary/outbound';

/**
 * The two flavours of one bridge (../shared/contracts/atlas-bridge.md): Apache Atlas (changes from
 * its Kafka topic ATLAS_ENTITIES, REST v2 under `/api/atlas/v2` with basic auth) and Atlan (changes
 * from its webhooks, the same REST API under `/api/meta` with a Bearer API token). Registered as two
 * connector types, `atlas` and `atlan`, with one implementation.
 */
export type AtlasFlavour = 'atlas' | 'atlan';

/** Atlas runs wherever the customer runs it: its host must be on the platform's outbound allow-list. */
export const ATLAS_TARGET: OutboundTarget = { name: 'atlas', hosts: [] };
export const ATLAN_TARGET: OutboundTarget = { name: 'atlan', hosts: ['*.atlan.com'] };

/** Which catalog entity types become which asset types; a type not listed is `other`, or skipped where the value is null. */
export const EntityTypeMapping = z.record(z.string().min(1).max(256), z.string().min(1).max(256).nullable());

/**
 * Default entity types: tables, views and topics are assets; columns are part of their table (a
 * column entity is skipped); Process and its subtypes are lineage, never assets. A ColumnProcess
 * (column-level lineage) is not read: skipped, rather than an `other` asset.
 */
export const DEFAULT_ENTITY_TYPES: Record<string, string | null> = {
  Table: 'table', View: 'view', MaterialisedView: 'view', SnowflakeDynamicTable: 'table', Schema: 'schema', Database: 'database',
  KafkaTopic: 'topic', DataSet: 'dataset', Column: null, ColumnProcess: null,
  hive_table: 'table', hive_db: 'database', hive_column: null, rdbms_table: 'table', rdbms_db: 'database', rdbms_column: null,
  kafka_topic: 'topic', aws_s3_object: 'file', aws_s3_bucket: 'bucket', hdfs_path: 'file',
};

/** Entity types that are lineage processes: their inputs and outputs become edges, with the process's qualified name as `process`. */
export const DEFAULT_PROCESS_TYPES = ['Process', 'BIProcess', 'hive_process', 'spark_process', 'storm_topology', 'falcon_process', 'sqoop_process', 'impala_process'];

const Common = {
  /** the catalog's base URL: Atlas `http(s)://<host>:21000`, Atlan `https://<tenant>.atlan.com` (the API path is added) */
  baseUrl: z.string().url().max(2048),
  /** prefixed to the catalog's qualifiedName to make the asset's (default none: the same name) */
  qualifiedNamePrefix: z.string().max(512).default(''),
  entityTypes: EntityTypeMapping.default({}),
  processTypes: z.array(z.string().min(1).max(256)).max(200).default(DEFAULT_PROCESS_TYPES),
  /** entity attributes kept as asset attributes (besides name and qualifiedName), e.g. `description`, `owner`, `certificateStatus` */
  keepAttributes: z.array(z.string().min(1).max(256)).max(200).default(['description', 'owner', 'certificateStatus', 'userDescription', 'ownerUsers', 'ownerGroups']),
  /** whether Tributary writes incidents, health, deprecation and propagated tags back to the catalog's entities */
  writeBack: z.boolean().default(true),
};

export const AtlasConfig = z.strictObject({
  ...Common,
  auth: z.strictObject({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }),
  /** the Atlas deployment's notification topic; Tributary reads it as consumer group `tributary-<connectorId>` */
  kafka: z.strictObject({
    brokers: z.array(z.string().min(1).max(512)).min(1).max(50),
    topic: z.string().min(1).max(249).default('ATLAS_ENTITIES'),
    ssl: z.boolean().default(false),
    sasl: z.strictObject({ mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), username: z.string().min(1), password: z.string().min(1) }).optional(),
    /** a split message whose parts do not all arrive within this time is parked (Atlas itself waits 15 min) */
    splitTimeoutSeconds: z.number().int().min(1).max(3600).default(900),
    /**
     * where a new consumer group starts: `latest` (the default: the backfill does the first load, the
     * topic brings what changes after it) or `earliest` (whatever the topic still retains). A group
     * that has committed offsets resumes from them either way.
     */
    startFrom: z.enum(['latest', 'earliest']).default('latest'),
  }).optional(),
});
export type AtlasConfig = z.infer<typeof AtlasConfig>;

export const AtlanConfig = z.strictObject({
  ...Common,
  /** an Atlan API token (Bearer); its persona needs read and update on the assets, and tag (classification) rights */
  apiToken: z.string().min(1).max(4096),
  /**
   * the token's user as Atlan names it in `updatedBy` (`service-account-apikey-<uuid>`): events whose
   * change this user made are the bridge's own writes. Without it, the bridge's own writes are still
   * recognised by the `x-atlan-agent-id: tributary` header it sends and by its outbox (atlas_writebacks.written).
   */
  serviceUser: z.string().min(1).max(512).optional(),
});
export type AtlanConfig = z.infer<typeof AtlanConfig>;

export type BridgeConfig = AtlasConfig | AtlanConfig;
