import { z } from 'zod';
import { globMatches } from '../mapping/glob';
import { fillTemplate, IdentifierPart, NameCase, templateSchema } from '../mapping/name-template';

/*
 * An OpenLineage dataset is named by `namespace` + `name` (https://openlineage.io/docs/spec/naming):
 * `postgres://db.host:5432` + `shop.public.orders`. The connector's rules build the catalog qualified
 * name the same way Monte Carlo's table mapping does (shared in ../mapping): an ordered list of
 * templates, the first that matches and can be filled wins. The tenant's own rules come first, then
 * (unless turned off) the defaults below for the naming conventions of Postgres, Snowflake,
 * BigQuery, Redshift, Trino, Kafka, S3 and GCS. A dataset no rule maps is not an error: it stays an
 * unresolved reference (`namespace/name`), as Monte Carlo's unmapped tables do.
 */

export const DATASET_PLACEHOLDERS = ['namespace', 'scheme', 'authority', 'name', 'database', 'schema', 'table'] as const;

export const DatasetMappingRule = z.strictObject({
  /** all given fields must match; no match at all matches every dataset */
  match: z.strictObject({
    /** the dataset's namespace, e.g. `postgres://db.prod:5432`; `*` matches any run of characters; case-insensitive */
    namespace: z.string().min(1).max(1024, 'at most 1024 characters').optional(),
  }).optional(),
  /**
   * builds the qualified name from {namespace}, {scheme} (`postgres`), {authority} (`db.prod:5432`),
   * {name} (the whole name, a path without its leading `/`), and, for a name of three dotted parts,
   * {database}, {schema}, {table} (BigQuery: project, dataset, table; Trino: catalog, schema, table)
   */
  template: templateSchema(DATASET_PLACEHOLDERS),
  /** applied to the name's parts (not the template's own text nor the namespace); default preserve */
  case: NameCase.optional(),
});
export type DatasetMappingRule = z.infer<typeof DatasetMappingRule>;

export const DatasetMappingConfig = z.array(DatasetMappingRule).max(100, 'at most 100 mapping rules');

/** The OpenLineage naming conventions, as rules: tried after the tenant's own. */
export const DEFAULT_DATASET_MAPPINGS: readonly DatasetMappingRule[] = [
  { match: { namespace: 'postgres://*' }, template: 'postgres/{authority}/{database}/{schema}/{table}' },
  { match: { namespace: 'snowflake://*' }, template: 'snowflake/{authority}/{database}/{schema}/{table}' },
  { match: { namespace: 'bigquery' }, template: 'bigquery/{database}/{schema}/{table}' },
  { match: { namespace: 'redshift://*' }, template: 'redshift/{authority}/{database}/{schema}/{table}' },
  { match: { namespace: 'trino://*' }, template: 'trino/{authority}/{database}/{schema}/{table}' },
  { match: { namespace: 'kafka://*' }, template: 'kafka/{authority}/{name}' },
  { match: { namespace: 's3://*' }, template: 's3/{authority}/{name}' },
  { match: { namespace: 'gs://*' }, template: 'gs/{authority}/{name}' },
];

/** A dataset's reference as kept when unresolved: its namespace and name, as the producer sent them. */
export const datasetRef = (d: { namespace: string; name: string }) => `${d.namespace}/${d.name}`;

/** The parts of a dataset's namespace and name that templates can use. */
export function datasetParts(d: { namespace: string; name: string }): Record<string, IdentifierPart | undefined> {
  const part = (value: string | undefined): IdentifierPart | undefined => (value ? { value, quoted: false } : undefined);
  // the namespace is a host or a bucket, never a case-folded identifier: quoted keeps case rules off it
  const raw = (value: string | undefined): IdentifierPart | undefined => (value ? { value, quoted: true } : undefined);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(d.namespace);
  const dotted = d.name.split('.');
  const three = dotted.length === 3 && dotted.every((p) => p !== '');
  return {
    namespace: raw(d.namespace),
    scheme: raw(scheme?.[1]),
    authority: raw(scheme?.[2]?.replace(/\/+$/, '')),
    name: part(d.name.replace(/^\/+/, '')),
    database: three ? part(dotted[0]) : undefined,
    schema: three ? part(dotted[1]) : undefined,
    table: three ? part(dotted[2]) : undefined,
  };
}

/** The qualified name of a dataset, or null when no rule maps it (an unresolved reference). */
export function mapDataset(d: { namespace: string; name: string }, rules: readonly DatasetMappingRule[]): string | null {
  const parts = datasetParts(d);
  for (const rule of rules) {
    if (rule.match?.namespace !== undefined && !globMatches(rule.match.namespace, d.namespace)) continue;
    const filled = fillTemplate(rule.template, parts, rule.case);
    if (filled !== null) return filled;
  }
  return null;
}
