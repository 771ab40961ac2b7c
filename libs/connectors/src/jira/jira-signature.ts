import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a Jira admin webhook with a secret is signed in (WebSub style: not `X-Hub-Signature-256`). */
export const JIRA_SIGNATURE_HEADER = 'x-hub-signature';

/** `sha256=` and 64 hex digits; the method name and the digits in either case, spaces around ignored. */
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks a Jira admin webhook's `X-Hub-Signature: sha256=<hex>`: the HMAC-SHA256 of the raw body,
 * keyed with the webhook's secret. Only admin webhooks are signed this way; dynamic (OAuth/Connect)
 * webhooks carry a JWT instead and are not accepted here.
 *
 * The header is found whatever the case of its name (Node lowercases names, a plain record may
 * not), and compared as decoded bytes with `timingSafeEqual`, so hex case does not matter. A
 * missing, repeated or malformed header is false before any comparison, and an empty secret
 * verifies nothing: a webhook configured without one must not accept everything.
 */
export function verifyJiraSignature(rawBody: Buffer, headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, secret: string): boolean {
  if (secret === '') return false;
  const values = Object.entries(headers).filter(([name]) => name.toLowerCase() === JIRA_SIGNATURE_HEADER).map(([, v]) => v);
  if (values.length !== 1 || typeof values[0] !== 'string') return false;
  const match = SIGNATURE.exec(values[0].trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(match[1]!, 'hex'), expected);
}
