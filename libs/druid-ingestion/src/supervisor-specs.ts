import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Placement, TenantId } from '@tributary/store';
import { dedicatedDatasource, dedicatedTopic, pooledDatasource, pooledTopics, TopicSelection } from './incident-facts-datasources';

/**
 * How Druid decodes the Avro bodies:
 * - `tributary-avro`: the project's input format (druid-specs/extension), which reads both framings
 *   Tributary writes (single-object, the default; Confluent, with a registry);
 * - `avro-extension`: Druid's own druid-avro-extensions (`avro_stream` with the `schema_registry`
 *   decoder), for a Druid that has it, when the topics are Confluent-framed (a registry configured).
 */
export type AvroDecoding = { kind: 'tributary-avro'; registryUrl?: string } | { kind: 'avro-extension'; registryUrl: string };

export interface SupervisorOptions {
  topicPrefix: string;
  kafkaBrokers: string;
  decoding: AvroDecoding;
}

export interface TenantPlacement {
  id: TenantId | string;
  placement: Placement;
}

export interface DatasourceSpec {
  datasource: string;
  /** the Kafka supervisor spec, as POSTed to the overlord; its context carries `tributarySpecHash` */
  supervisor: Record<string, unknown>;
}

/**
 * The repository's data schema of the incident-facts datasources (druid-specs/incident-facts.data-schema.json),
 * found above this file: the compiled code runs from dist/libs/…, the specs from libs/….
 */
export function incidentFactsDataSchema(from: string = __dirname): Record<string, unknown> {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'druid-specs', 'incident-facts.data-schema.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  }
  throw new Error(`no druid-specs/incident-facts.data-schema.json above ${from}`);
}

/**
 * One supervisor for the pooled datasource (pooled and schema tenants) and one per dedicated
 * tenant. Each reads from the earliest offset the first time (the topics hold what happened before
 * the datasource existed), with one reading task: ingestion of incident facts is a few thousand rows
 * a second at most, and each supervisor then needs two of the indexer's task slots (reading, and
 * publishing at the hand-off every hour).
 */
export function incidentFactsSupervisors(tenants: TenantPlacement[], options: SupervisorOptions): DatasourceSpec[] {
  const dedicated = tenants.filter((t) => t.placement === 'dedicated').map((t) => String(t.id));
  return [
    spec(pooledDatasource(options.topicPrefix), pooledTopics(options.topicPrefix, dedicated), options),
    ...dedicated.sort().map((tenant) => spec(dedicatedDatasource(options.topicPrefix, tenant), dedicatedTopic(options.topicPrefix, tenant), options)),
  ];
}

function spec(datasource: string, topics: TopicSelection, options: SupervisorOptions): DatasourceSpec {
  const supervisor = {
    type: 'kafka',
    id: datasource,
    spec: {
      dataSchema: { dataSource: datasource, ...incidentFactsDataSchema() },
      ioConfig: {
        type: 'kafka',
        ...topics,
        inputFormat: inputFormatOf(options.decoding),
        consumerProperties: { 'bootstrap.servers': options.kafkaBrokers },
        useEarliestOffset: true,
        taskCount: 1,
        replicas: 1,
        taskDuration: 'PT1H',
      },
      tuningConfig: { type: 'kafka', maxRowsInMemory: 150_000, maxRowsPerSegment: 5_000_000 },
    },
  };
  // what apply compares: a supervisor whose stored hash equals this one is left running as it is
  const hash = createHash('sha256').update(JSON.stringify(supervisor)).digest('hex').slice(0, 16);
  return { datasource, supervisor: { ...supervisor, context: { tributarySpecHash: hash } } };
}

function inputFormatOf(decoding: AvroDecoding): Record<string, unknown> {
  return decoding.kind === 'tributary-avro'
    ? { type: 'tributary-avro', ...(decoding.registryUrl ? { registryUrl: decoding.registryUrl } : {}) }
    : { type: 'avro_stream', avroBytesDecoder: { type: 'schema_registry', url: decoding.registryUrl }, binaryAsString: false };
}
