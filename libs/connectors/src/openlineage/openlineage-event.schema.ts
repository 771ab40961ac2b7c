import { z } from 'zod';
import type { BodyIssue } from '../source-connector';

/*
 * OpenLineage events (spec 2-0-x, and the 1-0-x RunEvent older producers still send), read from
 * `spec/OpenLineage.json`. Objects are loose: producers add custom facets and fields, and an unknown
 * one must never cost an event. What the spec requires is required here (BaseEvent's `eventTime`,
 * `producer`, `schemaURL`; a RunEvent's `run` and `job`), and the facets Tributary reads (`schema`,
 * `columnLineage`, `dataQualityAssertions`, `errorMessage`) are typed, so that a wrong type on one of
 * them fails with its path. A facet's `_producer` and `_schemaURL` (BaseFacet) are not required: the
 * contract marks them required, but a facet without them still says what it says, so the reading is
 * liberal there. `eventType` is optional (2-0-x does not require it); RUNNING is accepted from 1-0-x
 * producers too, since it changes nothing here.
 */

export const RUN_EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** RFC 3339 with a zone, as the spec's `date-time`; offsets other than Z are allowed (Java's OffsetDateTime sends them). */
const DateTime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
  'must be an RFC 3339 date-time with a time zone, e.g. 2026-08-20T10:00:00.000Z');
const Uri = z.string().min(1).refine((s) => /^[a-z][a-z0-9+.-]*:/i.test(s), 'must be a URI (with a scheme)');
const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const Name = z.string().min(1, 'must not be empty').max(1024, 'at most 1024 characters');

const SchemaField: z.ZodType<SchemaField> = z.lazy(() => z.looseObject({
  name: z.string().min(1),
  type: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  ordinal_position: z.number().int().nullable().optional(),
  fields: z.array(SchemaField).optional(),
}));
export interface SchemaField {
  name: string;
  type?: string | null;
  description?: string | null;
  ordinal_position?: number | null;
  fields?: SchemaField[];
}

export const SchemaFacet = z.looseObject({ fields: z.array(SchemaField).optional() });

const Transformation = z.looseObject({
  type: z.string(),
  subtype: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  masking: z.boolean().nullable().optional(),
});
const InputField = z.looseObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  field: z.string().min(1),
  transformations: z.array(Transformation).optional(),
});
export const ColumnLineageFacet = z.looseObject({
  fields: z.record(z.string(), z.looseObject({
    inputFields: z.array(InputField),
    // deprecated in 1-2-0, still sent by older producers: kept when there are no transformations
    transformationDescription: z.string().nullable().optional(),
    transformationType: z.string().nullable().optional(),
  })).optional(),
  dataset: z.array(InputField).optional(),
});
export type ColumnLineageFacet = z.infer<typeof ColumnLineageFacet>;

export const DataQualityAssertionsFacet = z.looseObject({
  assertions: z.array(z.looseObject({
    assertion: z.string().min(1),
    success: z.boolean(),
    column: z.string().nullable().optional(),
    severity: z.string().nullable().optional(),
    name: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
  })),
});
export type DataQualityAssertionsFacet = z.infer<typeof DataQualityAssertionsFacet>;

export const ErrorMessageFacet = z.looseObject({ message: z.string().optional(), programmingLanguage: z.string().optional() });

const DatasetFacets = z.looseObject({ schema: SchemaFacet.optional(), columnLineage: ColumnLineageFacet.optional() }).nullable().optional();
const Dataset = z.looseObject({ namespace: Name, name: Name, facets: DatasetFacets });
const InputDataset = Dataset.extend({ inputFacets: z.looseObject({ dataQualityAssertions: DataQualityAssertionsFacet.optional() }).nullable().optional() });
const OutputDataset = Dataset.extend({ outputFacets: z.record(z.string(), z.unknown()).nullable().optional() });

const Job = z.looseObject({ namespace: Name, name: Name, facets: z.record(z.string(), z.unknown()).nullable().optional() });

const BaseEvent = z.looseObject({ eventTime: DateTime, producer: Uri, schemaURL: Uri });

export const RunEvent = BaseEvent.extend({
  eventType: z.enum(RUN_EVENT_TYPES).nullable().optional(),
  run: z.looseObject({ runId: Uuid, facets: z.looseObject({ errorMessage: ErrorMessageFacet.optional() }).nullable().optional() }),
  job: Job,
  inputs: z.array(InputDataset).nullable().optional(),
  outputs: z.array(OutputDataset).nullable().optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;

export const JobEvent = BaseEvent.extend({
  job: Job,
  inputs: z.array(InputDataset).nullable().optional(),
  outputs: z.array(OutputDataset).nullable().optional(),
});
export type JobEvent = z.infer<typeof JobEvent>;

export const DatasetEvent = BaseEvent.extend({ dataset: Dataset });
export type DatasetEvent = z.infer<typeof DatasetEvent>;

export type InputDataset = z.infer<typeof InputDataset>;
export type OutputDataset = z.infer<typeof OutputDataset>;

export type OpenLineageEvent = { kind: 'run'; event: RunEvent } | { kind: 'job'; event: JobEvent } | { kind: 'dataset'; event: DatasetEvent };

/**
 * Which of the three events a body is, by the spec's rule (a RunEvent has `run`; a DatasetEvent has
 * `dataset` and neither job nor run; a JobEvent has `job` and no run), then its shape with every
 * failing path named (`inputs.0.facets.schema.fields`).
 */
export function parseOpenLineageEvent(body: unknown): { ok: true; value: OpenLineageEvent } | { ok: false; issues: BodyIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ path: '(body)', message: 'an OpenLineage event is a JSON object' }] };
  }
  const has = (key: string) => Object.hasOwn(body, key) && (body as Record<string, unknown>)[key] !== null;
  if (has('dataset') && (has('run') || has('job'))) {
    return { ok: false, issues: [{ path: 'dataset', message: 'a DatasetEvent must not have job or run' }] };
  }
  const kind = has('run') ? 'run' : has('dataset') ? 'dataset' : has('job') ? 'job' : null;
  if (kind === null) {
    return { ok: false, issues: [{ path: 'run', message: 'not an OpenLineage event: a RunEvent needs run and job, a JobEvent job, a DatasetEvent dataset' }] };
  }
  const schema = kind === 'run' ? RunEvent : kind === 'job' ? JobEvent : DatasetEvent;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message })) };
  }
  return { ok: true, value: { kind, event: parsed.data } as OpenLineageEvent };
}
