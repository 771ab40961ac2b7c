import type { IncidentObservation, ObservedTable } from '@tributary/contracts';
import { datasetRef, DatasetMappingRule, mapDataset } from './dataset-mapping';
import type { InputDataset, OpenLineageEvent, OutputDataset, SchemaField } from './openlineage-event.schema';
import { jobProcess, LineageDataset, OpenLineageEventFact } from './openlineage-fact';

export const OPENLINEAGE_SOURCE = 'openlineage';

/**
 * What one OpenLineage event means here: a fact (datasets, columns, column lineage and, for a
 * COMPLETE, the job's edges) and incident observations. Opening observations (a failed
 * `dataQualityAssertions` assertion, a FAIL run) are applied as any source's; the matching
 * resolutions (the assertion passing, the job's COMPLETE) only close an incident that is open, so
 * that every passing check and every good run does not leave a resolved incident behind.
 */
export interface NormalizedOpenLineage {
  fact: OpenLineageEventFact;
  observations: IncidentObservation[];
  resolutions: IncidentObservation[];
}

export function normalizeOpenLineageEvent(parsed: OpenLineageEvent, rules: readonly DatasetMappingRule[]): NormalizedOpenLineage {
  const map = (d: { namespace: string; name: string }) => mapDataset(d, rules);
  if (parsed.kind === 'dataset') {
    const { event } = parsed;
    return { fact: { eventTime: event.eventTime, job: null, runId: null, eventType: null, completes: false, inputs: [],
      outputs: [lineageDataset(event.dataset, map)] }, observations: [], resolutions: [] };
  }
  const { event } = parsed;
  const job = { namespace: event.job.namespace, name: event.job.name, process: jobProcess(event.job) };
  const runId = parsed.kind === 'run' ? parsed.event.run.runId : null;
  const eventType = parsed.kind === 'run' ? parsed.event.eventType ?? null : null;
  const inputs = event.inputs ?? [];
  const outputs = event.outputs ?? [];
  const fact: OpenLineageEventFact = {
    eventTime: event.eventTime, job, runId, eventType, completes: eventType === 'COMPLETE',
    inputs: inputs.map((d) => lineageDataset(d, map)), outputs: outputs.map((d) => lineageDataset(d, map)),
  };
  const observations: IncidentObservation[] = [];
  const resolutions: IncidentObservation[] = [];
  const deliveryKey = (externalId: string) => `${OPENLINEAGE_SOURCE}:${externalId}:${runId ?? 'job'}:${eventType ?? ''}:${event.eventTime}`;
  for (const input of inputs) {
    const table = { ref: datasetRef(input), qualifiedName: map(input) };
    for (const a of input.inputFacets?.dataQualityAssertions?.assertions ?? []) {
      const externalId = `dq:${table.ref}:${a.assertion}${a.column ? `:${a.column}` : ''}`;
      const o = incident(externalId, 'data_quality', a.assertion, a.success ? 'resolved' : 'open', [table], event.eventTime, deliveryKey(externalId),
        `Data quality check ${a.name ?? a.assertion}${a.column ? ` on ${a.column}` : ''} failed on ${table.ref}`);
      (a.success ? resolutions : observations).push(a.success ? asResolution(o) : { ...o, severity: severityOf(a.severity) });
    }
  }
  if (eventType === 'FAIL' || eventType === 'COMPLETE') {
    const externalId = `job:${job.process}`;
    const tables = outputs.map((d) => ({ ref: datasetRef(d), qualifiedName: map(d) }));
    const message = parsed.kind === 'run' ? parsed.event.run.facets?.errorMessage?.message : undefined;
    const o = incident(externalId, 'job_failure', eventType, eventType === 'FAIL' ? 'open' : 'resolved', tables, event.eventTime, deliveryKey(externalId),
      `Job ${job.process} failed${message ? `: ${message.slice(0, 500)}` : ''}`);
    if (eventType === 'FAIL') observations.push(o);
    else resolutions.push(asResolution(o));
  }
  return { fact, observations, resolutions };
}

function incident(externalId: string, type: string, rawType: string, status: 'open' | 'resolved', tables: ObservedTable[], time: string,
  deliveryKey: string, title: string): IncidentObservation {
  return {
    source: OPENLINEAGE_SOURCE, externalId, type, rawType, severity: null, status, rawStatus: status === 'open' ? 'failed' : 'passed',
    title, url: null, owner: null, tables: dedupeTables(tables), sourceTime: new Date(time).toISOString(), deliveryKey, statedFields: null,
  };
}

/** A resolution states its status only: the title and tables the failure gave stay. */
const asResolution = (o: IncidentObservation): IncidentObservation => ({ ...o, statedFields: ['status', 'rawStatus'] });

/** The assertion's severity, as the platform's `SEV-n` where it reads as one (`error`/`warn` are common); else none. */
function severityOf(severity: string | null | undefined): string | null {
  const s = severity?.trim().toLowerCase();
  if (!s) return null;
  if (/^sev-?[1-4]$/.test(s)) return `SEV-${s.slice(-1)}`;
  return ({ critical: 'SEV-1', error: 'SEV-2', high: 'SEV-2', warn: 'SEV-3', warning: 'SEV-3', medium: 'SEV-3', low: 'SEV-4', info: 'SEV-4' } as Record<string, string>)[s] ?? null;
}

function dedupeTables(tables: ObservedTable[]): ObservedTable[] {
  const seen = new Set<string>();
  return tables.filter((t) => !seen.has(t.ref) && !!seen.add(t.ref));
}

function lineageDataset(d: InputDataset | OutputDataset | { namespace: string; name: string; facets?: InputDataset['facets'] },
  map: (d: { namespace: string; name: string }) => string | null): LineageDataset {
  const schema = d.facets?.schema;
  const lineage = d.facets?.columnLineage;
  return {
    ref: datasetRef(d),
    qualifiedName: map(d),
    typeName: typeNameOf(d.namespace),
    name: shortName(d.name),
    columns: schema ? flatten(schema.fields ?? []) : null,
    columnLineage: lineage ? Object.entries(lineage.fields ?? {}).map(([column, f]) => ({
      column,
      inputFields: f.inputFields.map((i) => ({
        ref: datasetRef(i), qualifiedName: map(i), field: i.field,
        transformations: i.transformations?.map((t) => ({ type: t.type, subtype: t.subtype ?? null, description: t.description ?? null, masking: t.masking ?? null }))
          // the deprecated per-column description and type stand for one transformation when none is given
          ?? (f.transformationType || f.transformationDescription
            ? [{ type: f.transformationType ?? 'UNKNOWN', subtype: null, description: f.transformationDescription ?? null, masking: null }] : []),
      })),
    })) : null,
  };
}

/** Nested fields (a struct's) as `parent.child`, in the facet's order. */
function flatten(fields: SchemaField[], prefix = ''): { name: string; type: string | null; description: string | null }[] {
  return fields.flatMap((f) => [
    { name: `${prefix}${f.name}`, type: f.type ?? null, description: f.description ?? null },
    ...flatten(f.fields ?? [], `${prefix}${f.name}.`),
  ]);
}

/** A topic for Kafka, a path for object stores and file systems, a table for the rest (warehouses and databases). */
function typeNameOf(namespace: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(namespace)?.[1]?.toLowerCase();
  if (scheme === 'kafka') return 'Topic';
  if (scheme && ['s3', 's3a', 'gs', 'abfss', 'wasbs', 'hdfs', 'file'].includes(scheme)) return 'Dataset';
  return 'Table';
}

/** The last part of a dotted name or a path. */
function shortName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  return trimmed.split(/[./]/).filter((p) => p !== '').pop() ?? trimmed;
}
