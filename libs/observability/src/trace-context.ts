import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * W3C trace context: continue the caller's trace when it sent a valid `traceparent`, else start one.
 * The value is stamped on every change event this request writes.
 */
export function traceparentFor(incoming: string | undefined): string {
  const m = incoming ? TRACEPARENT.exec(incoming.trim()) : null;
  const traceId = m && !/^0+$/.test(m[1]) ? m[1] : randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${m ? m[3] : '01'}`;
}

/**
 * A child span of `parent` (same trace id and flags, new span id), for work done on behalf of it in
 * another process; null when there is no valid parent, so that work without a cause starts no trace.
 */
export function childTraceparent(parent: string | null | undefined): string | null {
  const m = parent ? TRACEPARENT.exec(parent.trim()) : null;
  return m && !/^0+$/.test(m[1]) ? `00-${m[1]}-${randomBytes(8).toString('hex')}-${m[3]}` : null;
}
