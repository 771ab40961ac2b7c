import { invalid } from '@tributary/errors';

/**
 * Keyset-paging cursors: the sort key of the last item of a page, opaque to clients. Lists ordered
 * by name use the name; lists ordered newest first use (time, id).
 */
export const nameCursor = {
  encode: (name: string) => Buffer.from(name, 'utf8').toString('base64url'),
  decode(cursor: string): string {
    const name = Buffer.from(cursor, 'base64url').toString('utf8');
    if (name.length === 0 || nameCursor.encode(name) !== cursor) throw invalidCursor();
    return name;
  },
};

export const timeIdCursor = {
  encode: (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url'),
  decode(cursor: string): { at: Date; id: string } {
    const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const at = new Date(time ?? '');
    if (!id || Number.isNaN(at.getTime())) throw invalidCursor();
    return { at, id };
  },
};

const invalidCursor = () => invalid('invalid_cursor', 'cursor is not one returned by this endpoint');
