import { z } from 'zod';
import { NormalizeError, SourceConnector } from '../source-connector';
import { DatasetMappingConfig, DEFAULT_DATASET_MAPPINGS } from './dataset-mapping';
import { OpenLineageEvent, parseOpenLineageEvent } from './openlineage-event.schema';
import { OPENLINEAGE_EVENT_FACT } from './openlineage-fact';
import { normalizeOpenLineageEvent } from './openlineage-normalizer';

export const OpenLineageConfig = z.strictObject({
  /** How `namespace` + `name` become catalog qualified names; the first matching rule wins, before the defaults. */
  mappings: DatasetMappingConfig.default([]),
  /**
   * Whether the OpenLineage naming conventions (Postgres, Snowflake, BigQuery, Redshift, Trino,
   * Kafka, S3, GCS; see DEFAULT_DATASET_MAPPINGS) map what the rules above do not; default true
   */
  defaultMappings: z.boolean().default(true),
});
export type OpenLineageConfig = z.infer<typeof OpenLineageConfig>;

/** The content type of a logged event: one OpenLineage event as JSON (a batch is logged an event at a time). */
export const OPENLINEAGE_CONTENT_TYPE = 'application/json';

/**
 * The key that keeps an event in order with the others it must follow: a job's runs (their
 * COMPLETEs set the job's edges) or a dataset's DatasetEvents.
 */
export function orderingKeyOf(parsed: OpenLineageEvent): string {
  if (parsed.kind === 'dataset') return `dataset:${parsed.event.dataset.namespace}/${parsed.event.dataset.name}`;
  return `job:${parsed.event.job.namespace}/${parsed.event.job.name}`;
}

/**
 * OpenLineage producers (Airflow, dbt, Spark, Flink, the OpenLineage clients): events posted to
 * `POST /api/v1/lineage` with a Tributary API key (see OpenLineageReceiver), not signed webhooks.
 * The connector is the tenant's mapping of dataset names, and the normalizer of its events.
 */
export const openlineageConnector: SourceConnector<OpenLineageConfig> = {
  kind: 'source',
  type: 'openlineage',
  description: 'OpenLineage run, job and dataset events (lineage, schemas, column lineage, data-quality assertions) posted to /api/v1/lineage with an ingest API key',
  configSchema: OpenLineageConfig,
  secretPaths: [],

  // No webhook: events come with an API key to /api/v1/lineage, so the generic hook route refuses them all.
  verifySignature: () => false,

  validateBody(body) {
    const parsed = parseOpenLineageEvent(body);
    return parsed.ok ? { ok: true, orderingKey: orderingKeyOf(parsed.value) } : parsed;
  },

  normalize(delivery, config) {
    if (delivery.contentType !== OPENLINEAGE_CONTENT_TYPE) throw new NormalizeError(`unknown content type ${delivery.contentType}`);
    let body: unknown;
    try {
      body = JSON.parse(delivery.body);
    } catch (err) {
      throw new NormalizeError(`body is not JSON: ${(err as Error).message}`);
    }
    const parsed = parseOpenLineageEvent(body);
    if (!parsed.ok) throw new NormalizeError(parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    const rules = config.defaultMappings ? [...config.mappings, ...DEFAULT_DATASET_MAPPINGS] : config.mappings;
    const { fact, observations, resolutions } = normalizeOpenLineageEvent(parsed.value, rules);
    return { observations, resolutions, facts: [{ kind: OPENLINEAGE_EVENT_FACT, value: fact }] };
  },
};
