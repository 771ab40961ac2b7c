import { randomUUID } from 'node:crypto';

/*
 * OpenLineage events as producers send them (spec 2-0-2), built from what a test cares about.
 * The facets carry `_producer` and `_schemaURL` as the clients write them.
 */

export const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.40.1/client/java';
const RUN_EVENT_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const facet = (name: string) => ({ _producer: PRODUCER, _schemaURL: `https://openlineage.io/spec/facets/1-0-0/${name}.json` });

export interface DatasetSpec {
  namespace: string;
  name: string;
  /** column name → type: a schema facet */
  schema?: Record<string, string>;
  /** output column → input fields `[namespace, name, field, transformation type?]` */
  columnLineage?: Record<string, [string, string, string, string?][]>;
  /** a dataQualityAssertions input facet */
  assertions?: { assertion: string; success: boolean; column?: string }[];
}

export interface RunSpec {
  eventType?: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  job: string;
  jobNamespace?: string;
  runId?: string;
  eventTime?: string;
  inputs?: DatasetSpec[];
  outputs?: DatasetSpec[];
  errorMessage?: string;
}

export function dataset(d: DatasetSpec, io: 'input' | 'output'): Record<string, unknown> {
  const facets: Record<string, unknown> = {};
  if (d.schema) facets.schema = { ...facet('SchemaDatasetFacet'), fields: Object.entries(d.schema).map(([name, type]) => ({ name, type })) };
  if (d.columnLineage) {
    facets.columnLineage = { ...facet('ColumnLineageDatasetFacet'), fields: Object.fromEntries(Object.entries(d.columnLineage).map(([column, inputs]) => [column, {
      inputFields: inputs.map(([namespace, name, field, type]) => ({ namespace, name, field, transformations: [{ type: type ?? 'DIRECT', subtype: 'IDENTITY' }] })),
    }])) };
  }
  const base = { namespace: d.namespace, name: d.name, facets };
  if (io === 'input' && d.assertions) {
    return { ...base, inputFacets: { dataQualityAssertions: { ...facet('DataQualityAssertionsDatasetFacet'), assertions: d.assertions } } };
  }
  return base;
}

export function runEvent(r: RunSpec): Record<string, unknown> {
  return {
    eventTime: r.eventTime ?? new Date().toISOString(),
    producer: PRODUCER,
    schemaURL: RUN_EVENT_URL,
    ...(r.eventType ? { eventType: r.eventType } : {}),
    run: { runId: r.runId ?? randomUUID(), facets: r.errorMessage ? { errorMessage: { ...facet('ErrorMessageRunFacet'), message: r.errorMessage, programmingLanguage: 'JAVA' } } : {} },
    job: { namespace: r.jobNamespace ?? 'airflow', name: r.job, facets: {} },
    inputs: (r.inputs ?? []).map((d) => dataset(d, 'input')),
    outputs: (r.outputs ?? []).map((d) => dataset(d, 'output')),
  };
}

export const pg = (table: string, extra: Partial<DatasetSpec> = {}): DatasetSpec => ({ namespace: 'postgres://db.prod:5432', name: `shop.public.${table}`, ...extra });
/** The qualified name the default Postgres mapping makes of `pg(table)`. */
export const pgName = (table: string) => `postgres/db.prod:5432/shop/public/${table}`;
