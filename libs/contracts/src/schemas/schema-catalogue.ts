import type { Schema } from 'avsc';
import { fingerprintOf, parseSchema } from '../avro/avro-codec';
import { ChangeEventV1 } from './change-event.v1';
import { DeadLetterV1 } from './dead-letter.v1';
import { InboundDeliveryV1 } from './inbound-delivery.v1';
import { IncidentObservationV1 } from './incident-observation.v1';
import { IncidentObservationV2 } from './incident-observation.v2';
import { IncidentFactV1 } from './incident-fact.v1';

/**
 * Every published version of every event schema, oldest first. A subject is the record's full name
 * (the registry's record-name strategy). To change a schema, never edit a published version: add a
 * file `<name>.v2.ts`, append it to its list here, and record it in published.json; the codec then
 * writes v2 and still reads v1, and schema-catalogue.spec.ts checks that v1 and v2 read each other.
 */
const VERSIONS: readonly (readonly object[])[] = [
  [ChangeEventV1],
  [InboundDeliveryV1],
  [IncidentObservationV1, IncidentObservationV2],
  [DeadLetterV1],
  [IncidentFactV1],
];

const subjectOf = (schema: object): string => {
  const { name, namespace } = schema as { name: string; namespace?: string };
  return namespace ? `${namespace}.${name}` : name;
};

/** subject -> its versions, oldest first. */
export const SCHEMA_CATALOGUE: ReadonlyMap<string, readonly Schema[]> = new Map(
  VERSIONS.map((versions) => [subjectOf(versions[versions.length - 1]), versions as unknown as Schema[]]),
);

export function versionsOf(subject: string): readonly Schema[] {
  const versions = SCHEMA_CATALOGUE.get(subject);
  if (!versions) throw new Error(`no schema subject ${subject} in the catalogue`);
  return versions;
}

export interface PublishedSchema {
  subject: string;
  version: number;
  schema: Schema;
}

const byFingerprint = new Map<string, PublishedSchema>(
  [...SCHEMA_CATALOGUE].flatMap(([subject, versions]) =>
    versions.map((schema, i) => [fingerprintOf(parseSchema(schema)).toString('hex'), { subject, version: i + 1, schema }] as const)),
);

/** The published schema with this single-object fingerprint, if any (how a writer schema is named on the wire). */
export const publishedSchemaOf = (fingerprint: Buffer): PublishedSchema | undefined => byFingerprint.get(fingerprint.toString('hex'));
