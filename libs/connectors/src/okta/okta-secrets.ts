import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Okta sends the event hook's secret verbatim in `Authorization` (no HMAC; okta.md, "Hook
 * authentication"). Compared in constant time: both sides hashed first, so that neither the
 * comparison's time nor a length check tells a caller how much of a guess was right.
 */
export function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

const SCIM_TOKEN = /^tscim_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;

/**
 * The connector's SCIM bearer token: its id (so that a request finds its connector before the
 * tenant is known, as a webhook URL does) and an HMAC of the connector's signing secret. Nothing more
 * is stored: the secret is sealed at rest with the connector, the token is shown once with it (at
 * creation, and again when the signing secret is rotated, which also replaces the token).
 */
export function scimToken(connectorId: string, signingSecret: string): string {
  return `tscim_${connectorId}_${scimMac(signingSecret)}`;
}

/** The connector a SCIM token names, and its MAC, or undefined for a string that is not one. */
export function parseScimToken(token: string): { connectorId: string; mac: string } | undefined {
  const m = SCIM_TOKEN.exec(token);
  return m ? { connectorId: m[1], mac: m[2] } : undefined;
}

/** Whether a token's MAC is the one of this signing secret, in constant time. */
export function scimMacMatches(mac: string, signingSecret: string): boolean {
  const expected = Buffer.from(scimMac(signingSecret));
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const scimMac = (signingSecret: string) => createHmac('sha256', signingSecret).update('tributary-scim-token-v1').digest('base64url');
