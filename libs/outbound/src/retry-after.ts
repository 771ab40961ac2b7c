/**
 * `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds to
 * wait (never negative), or null when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  // Only date-shaped text: Date.parse would also accept bare numbers like "-5" as years.
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
