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
