import { z } from 'zod';

/**
 * The fact an OpenLineage event states, as the normalizer makes it and the ingestor's
 * OpenLineageEventApplier applies it: the datasets (resolved to qualified names where a mapping
 * rule applies), their columns and column lineage, and, for a run's COMPLETE, the job's edges.
 * Checked again by the applier (a logged record is only as good as the code that wrote it).
 */
export const OPENLINEAGE_EVENT_FACT = 'openlineage.event';

const Transformation = z.strictObject({
  type: z.string(),
  subtype: z.string().nullable(),
  description: z.string().nullable(),
  masking: z.boolean().nullable(),
});

const InputField = z.strictObject({
  /** the input dataset, `namespace/name` */
  ref: z.string(),
  qualifiedName: z.string().nullable(),
  field: z.string(),
  transformations: z.array(Transformation),
});
export type ColumnInputField = z.infer<typeof InputField>;

export const LineageDataset = z.strictObject({
  /** `namespace/name`, as the producer named it */
  ref: z.string(),
  /** what the connector's mapping makes of it; null: unresolved, nothing is written for it */
  qualifiedName: z.string().nullable(),
  /** the type an asset created for it gets (an existing asset keeps its own) */
  typeName: z.string(),
  /** the asset's short name */
  name: z.string(),
  /** the `schema` facet's fields (nested ones as `parent.child`), or null when the event has no schema facet */
  columns: z.array(z.strictObject({ name: z.string(), type: z.string().nullable(), description: z.string().nullable() })).nullable(),
  /** the `columnLineage` facet, per output column, or null when the event has none */
  columnLineage: z.array(z.strictObject({ column: z.string(), inputFields: z.array(InputField) })).nullable(),
});
export type LineageDataset = z.infer<typeof LineageDataset>;

export const OpenLineageEventFact = z.strictObject({
  eventTime: z.string().datetime({ offset: true }),
  /** null for a DatasetEvent */
  job: z.strictObject({ namespace: z.string(), name: z.string(), process: z.string() }).nullable(),
  runId: z.string().nullable(),
  eventType: z.string().nullable(),
  /** a run's COMPLETE: the job's lineage edges become exactly inputs × outputs */
  completes: z.boolean(),
  inputs: z.array(LineageDataset),
  outputs: z.array(LineageDataset),
});
export type OpenLineageEventFact = z.infer<typeof OpenLineageEventFact>;

/** The `process` an OpenLineage job's edges carry: the job qualified by its namespace. */
export const jobProcess = (job: { namespace: string; name: string }) => `${job.namespace}/${job.name}`;
