import type { Schema, Type } from 'avsc';
import { fingerprintOf, parseSchema } from '../avro/avro-codec';

/**
 * Full transitive compatibility of a subject's versions: every version reads what every other
 * version wrote, so a new reader meets old data and an old reader (a consumer not yet upgraded)
 * meets new data. Returns one line per break, naming the reader, the writer and the field.
 */
export function compatibilityBreaks(subject: string, versions: readonly Schema[]): string[] {
  const types = versions.map(parseSchema);
  const breaks: string[] = [];
  types.forEach((reader, r) => types.forEach((writer, w) => {
    if (r === w) return;
    try {
      reader.createResolver(writer);
    } catch (err) {
      const field = breakingField(reader, writer, []);
      breaks.push(`${subject} v${r + 1} cannot read what v${w + 1} wrote: ${field ? `field ${field}: ` : ''}${(err as Error).message}`);
    }
  }));
  return breaks;
}

interface Field { name: string; type: Type; aliases: string[]; defaultValue(): unknown }

/** The path of the first reader field that cannot be resolved against the writer, through nested records and arrays. */
function breakingField(reader: Type, writer: Type, path: string[]): string | undefined {
  if (reader.typeName === 'array' && writer.typeName === 'array') {
    return breakingField((reader as unknown as { itemsType: Type }).itemsType, (writer as unknown as { itemsType: Type }).itemsType, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[]`]);
  }
  if (reader.typeName !== 'record' || writer.typeName !== 'record') return undefined;
  const written = (writer as unknown as { fields: Field[] }).fields;
  for (const field of (reader as unknown as { fields: Field[] }).fields) {
    const at = [...path, field.name];
    const match = written.find((w) => w.name === field.name || field.aliases.includes(w.name));
    if (!match) {
      if (field.defaultValue() === undefined) return at.join('.');
      continue;
    }
    try {
      field.type.createResolver(match.type);
    } catch {
      return breakingField(field.type, match.type, at) ?? at.join('.');
    }
  }
  return undefined;
}

/** What published.json records of one version. */
export interface PublishedVersion {
  /** CRC-64-AVRO of the canonical form, hex: the single-object fingerprint readers look up */
  fingerprint: string;
  /** the schema with everything that matters to resolution (defaults, aliases, logical types), docs left out */
  schema: string;
}

export type PublishedSnapshot = Record<string, Record<string, PublishedVersion>>;

export function publishedVersionOf(schema: Schema): PublishedVersion {
  const type = parseSchema(schema);
  return {
    fingerprint: fingerprintOf(type).toString('hex'),
    // docs may be reworded; anything else changes what a reader makes of the bytes
    schema: JSON.stringify(type.schema({ exportAttrs: true }), (key, value) => (key === 'doc' ? undefined : value)),
  };
}

/**
 * Published versions are frozen: data written with them may sit in a topic or a dead letter for
 * as long as retention lasts, so a changed version must be a new version. Compares the catalogue
 * with the committed snapshot (published.json).
 */
export function frozenBreaks(catalogue: ReadonlyMap<string, readonly Schema[]>, published: PublishedSnapshot): string[] {
  const breaks: string[] = [];
  for (const [subject, versions] of catalogue) {
    versions.forEach((schema, i) => {
      const version = String(i + 1);
      const now = publishedVersionOf(schema);
      const then = published[subject]?.[version];
      if (!then) {
        breaks.push(`${subject} v${version} is not recorded in published.json; once it is final, record it: "${version}": ${JSON.stringify(now)}`);
      } else if (then.schema !== now.schema || then.fingerprint !== now.fingerprint) {
        breaks.push(`${subject} v${version} was changed after it was published: published versions are frozen, so add a new version instead `
          + `(a file with v${versions.length + 1}, appended to its list in schema-catalogue.ts)`);
      }
    });
  }
  for (const [subject, versions] of Object.entries(published)) {
    for (const version of Object.keys(versions)) {
      if (!catalogue.get(subject)?.[Number(version) - 1]) {
        breaks.push(`${subject} v${version} was published but is gone from the catalogue: readers can still meet its data, so keep it listed`);
      }
    }
  }
  return breaks;
}
