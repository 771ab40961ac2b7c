import type { Schema } from 'avsc';
import published from './published.json';
import { SCHEMA_CATALOGUE } from './schema-catalogue';
import { compatibilityBreaks, frozenBreaks, PublishedSnapshot, publishedVersionOf } from './schema-compatibility';

const thing = (fields: object[]) => ({ type: 'record', name: 'Thing', namespace: 't', fields }) as unknown as Schema;
/** The real catalogue with one subject's versions replaced. */
const catalogueWith = (subject: string, versions: Schema[]) => new Map(SCHEMA_CATALOGUE).set(subject, versions);
const V1 = thing([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }]);

describe('schema catalogue', () => {
  describe('compatibility of the published versions', () => {
    it.each([...SCHEMA_CATALOGUE.keys()])('every version of %s reads what every other version wrote', (subject) => {
      expect(compatibilityBreaks(subject, SCHEMA_CATALOGUE.get(subject)!)).toEqual([]);
    });
  });

  describe('frozen published versions', () => {
    it('matches published.json: no published version edited, none unrecorded, none removed', () => {
      expect(frozenBreaks(SCHEMA_CATALOGUE, published as PublishedSnapshot)).toEqual([]);
    });

    it('reports an edited published version, asking for a new version instead', () => {
      const [subject, versions] = [...SCHEMA_CATALOGUE][0];
      const v1 = versions[0] as unknown as { fields: object[] };
      const edited = { ...v1, fields: [...v1.fields, { name: 'extra', type: ['null', 'string'], default: null }] } as unknown as Schema;
      expect(frozenBreaks(catalogueWith(subject, [edited]), published as PublishedSnapshot)).toEqual([
        expect.stringMatching(new RegExp(`^${subject} v1 was changed after it was published: .*add a new version instead \\(a file with v2`)),
      ]);
    });

    it('reports a changed default, which the canonical form alone would not show', () => {
      const withDefault = thing([{ name: 'id', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }]);
      const withoutDefault = thing([{ name: 'id', type: 'string' }, { name: 'note', type: ['null', 'string'] }]);
      const snapshot: PublishedSnapshot = { 't.Thing': { 1: publishedVersionOf(withDefault) } };
      expect(frozenBreaks(new Map([['t.Thing', [withoutDefault]]]), snapshot)).toEqual([expect.stringContaining('t.Thing v1 was changed after it was published')]);
    });

    it('reports a version not yet recorded, printing the entry to record', () => {
      const [subject, versions] = [...SCHEMA_CATALOGUE][0];
      const v2 = { ...(versions[0] as object), fields: [...(versions[0] as unknown as { fields: object[] }).fields,
        { name: 'extra', type: ['null', 'string'], default: null }] } as unknown as Schema;
      expect(frozenBreaks(catalogueWith(subject, [versions[0], v2]), published as PublishedSnapshot))
        .toEqual([expect.stringMatching(new RegExp(`^${subject} v2 is not recorded in published.json; .*"2": \\{"fingerprint":"[0-9a-f]{16}"`))]);
    });

    it('reports a published version removed from the catalogue', () => {
      const [subject] = [...SCHEMA_CATALOGUE][0];
      const rest = new Map([...SCHEMA_CATALOGUE].filter(([s]) => s !== subject));
      expect(frozenBreaks(rest, published as PublishedSnapshot)).toEqual([`${subject} v1 was published but is gone from the catalogue: readers can still meet its data, so keep it listed`]);
    });
  });

  describe('the compatibility check on a breaking v2', () => {
    it('accepts a new optional field with a default, in both directions', () => {
      expect(compatibilityBreaks('t.Thing', [V1, thing([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' },
        { name: 'colour', type: ['null', 'string'], default: null }])])).toEqual([]);
    });

    it('names a new field without a default: the new reader cannot read old data', () => {
      const v2 = thing([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'colour', type: 'string' }]);
      expect(compatibilityBreaks('t.Thing', [V1, v2])).toEqual([
        't.Thing v2 cannot read what v1 wrote: field colour: no matching field for default-less t.Thing.colour',
      ]);
    });

    it('names a removed field the old reader needs: the old reader cannot read new data', () => {
      const v2 = thing([{ name: 'id', type: 'string' }]);
      expect(compatibilityBreaks('t.Thing', [V1, v2])).toEqual([expect.stringMatching(/^t\.Thing v1 cannot read what v2 wrote: field count: /)]);
    });

    it('names a field whose type changed, in both directions', () => {
      const v2 = thing([{ name: 'id', type: 'int' }, { name: 'count', type: 'int' }]);
      expect(compatibilityBreaks('t.Thing', [V1, v2])).toEqual([
        't.Thing v1 cannot read what v2 wrote: field id: cannot read "int" as "string"',
        't.Thing v2 cannot read what v1 wrote: field id: cannot read "string" as "int"',
      ]);
    });

    it('names a nested field inside an array of records', () => {
      const withItems = (refType: string) => thing([{ name: 'tables', type: { type: 'array', items: { type: 'record', name: 'Table', fields: [{ name: 'ref', type: refType }] } } }]);
      expect(compatibilityBreaks('t.Thing', [withItems('string'), withItems('long')])).toEqual([
        expect.stringMatching(/^t\.Thing v1 cannot read what v2 wrote: field tables\[\]\.ref: /),
        expect.stringMatching(/^t\.Thing v2 cannot read what v1 wrote: field tables\[\]\.ref: /),
      ]);
    });

    it('is transitive: v3 must read v1 too, not only v2', () => {
      const v2 = thing([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'colour', type: ['null', 'string'], default: null }]);
      // v3 keeps colour but drops its default: reads v2 data, not v1 data
      const v3 = thing([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'colour', type: ['null', 'string'] }]);
      expect(compatibilityBreaks('t.Thing', [V1, v2, v3])).toEqual([expect.stringMatching(/^t\.Thing v3 cannot read what v1 wrote: field colour: /)]);
    });
  });
});
