import { randomFillSync } from 'node:crypto';

/** Random bytes for ids, drawn from a pool refilled 4 KiB at a time (one call into OpenSSL per ~170 requests rather than two per request). */
const pool = Buffer.alloc(4096);
let used = pool.length;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * W3C trace context: continue the caller's trace when it sent a valid `traceparent`, else start one.
 * The value is stamped on every change event this request writes.
 */
export function traceparentFor(incoming: string | undefined): string {
  const m = incoming ? TRACEPARENT.exec(incoming.trim()) : null;
  const traceId = m && !/^0+$/.test(m[1]) ? m[1] : randomHex(16);
  return `00-${traceId}-${randomHex(8)}-${m ? m[3] : '01'}`;
}

/**
 * A child span of `parent` (same trace id and flags, new span id), for work done on behalf of it in
 * another process; null when there is no valid parent, so that work without a cause starts no trace.
 */
export function childTraceparent(parent: string | null | undefined): string | null {
  const m = parent ? TRACEPARENT.exec(parent.trim()) : null;
  return m && !/^0+$/.test(m[1]) ? `00-${m[1]}-${randomHex(8)}-${m[3]}` : null;
}
