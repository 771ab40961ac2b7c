/**
 * Monte Carlo's GraphQL `DateTime` values are ISO 8601 strings, typically with microseconds and an
 * offset (`2024-05-01T12:00:00.123456+00:00`). Whether a value can arrive without an offset is
 * *unconfirmed*; such a value is read as UTC (the API's own zone) rather than as this process's
 * local time, which is what `Date.parse` would do.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch, or null when the text is not a date-time of that form. */
export function parseMonteCarloTime(text: string): number | null {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number(((m[7] ?? '') + '000').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(utc);
  // Date.UTC rolls 2024-02-30 over to March: reject instead of inventing a date.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day
    || hour > 23 || minute > 59 || second > 60) return null;
  return utc - offsetMinutes(m[8]) * 60_000;
}

/**
 * The canonical form Tributary stores and compares: UTC, millisecond precision (`Date#toISOString`).
 * Two spellings of one instant (`+00:00` vs `Z`, 6 vs 3 fraction digits) must give the same
 * delivery key and order the same way.
 */
export function canonicalMonteCarloTime(text: string): string | null {
  const ms = parseMonteCarloTime(text);
  return ms === null ? null : new Date(ms).toISOString();
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}
