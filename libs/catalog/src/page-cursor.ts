import { malformed } from '@tributary/errors';
import { unstorableText } from '@tributary/store';
import { QualifiedName, UUID_PATTERN } from './qualified-name';

/**
 * Keyset-paging cursors: the sort key of the last item of a page, opaque to clients. Lists ordered
 * by qualified name use the name; lists ordered newest first use (time, id). A cursor is decoded
 * strictly, as exactly what `encode` could have produced: anything else (forged, tampered, cut
 * short) is 400 `invalid_cursor` naming the parameter, never a query with a key the store refuses.
 */
export const nameCursor = {
  encode: (name: string) => Buffer.from(name, 'utf8').toString('base64url'),
  decode(cursor: string): string {
    const name = Buffer.from(cursor, 'base64url').toString('utf8');
    if (nameCursor.encode(name) !== cursor || unstorableText(name) || !QualifiedName.safeParse(name).success) throw invalidCursor();
    return name;
  },
};

export const timeIdCursor = {
  encode: (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url'),
  decode(cursor: string): { at: Date; id: string } {
    const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const at = new Date(parts[0]);
    if (parts.length !== 2 || Number.isNaN(at.getTime()) || !UUID_PATTERN.test(parts[1]) || timeIdCursor.encode(at, parts[1]) !== cursor) throw invalidCursor();
    return { at, id: parts[1] };
  },
};

/** Lists ordered newest first by (time, a numeric id such as an asset's). */
export const timeNumberCursor = {
  encode: (at: Date, id: number) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url'),
  decode(cursor: string): { at: Date; id: number } {
    const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const at = new Date(parts[0]);
    if (parts.length !== 2 || Number.isNaN(at.getTime()) || !/^[1-9][0-9]{0,15}$/.test(parts[1])
      || timeNumberCursor.encode(at, Number(parts[1])) !== cursor) throw invalidCursor();
    return { at, id: Number(parts[1]) };
  },
};

const invalidCursor = () => malformed('invalid_cursor', 'query parameter cursor is not one returned by this endpoint; start without it',
  { issues: [{ path: 'cursor', message: 'not a cursor returned by this endpoint' }] });
