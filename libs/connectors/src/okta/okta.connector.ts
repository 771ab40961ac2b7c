import { z } from 'zod';
import { DIRECTORY_FACT_KIND, DirectoryFactValue } from '../directory-fact';
import { NormalizeError, parseJson, SourceConnector, SourceFact } from '../source-connector';
import { groupFact, OKTA_TARGET, OKTA_TYPES, oktaHistory, OktaGroup, OktaGroupMembers, OktaUser, userFact } from './okta-api.source';
import { directoryFactOf, OktaEventHookBody } from './okta-event-hook';
import { sameSecret, scimToken } from './okta-secrets';

export const OktaConfig = z.strictObject({
  /** Okta's management API, for backfills of users, groups and memberships (absent: hooks and SCIM only). */
  api: z.strictObject({
    /**
     * the org's URL, e.g. `https://acme.okta.com`: https, on Okta's hosts (or the platform's
     * TRIBUTARY_OUTBOUND_ALLOWED_HOSTS); a new URL needs `apiToken` entered again
     */
    orgUrl: z.string().url().max(2048),
    /** an API token (sent as `Authorization: SSWS <token>`), read-only admin is enough */
    apiToken: z.string().min(1).max(1024),
  }).optional(),
});
export type OktaConfig = z.infer<typeof OktaConfig>;

/** Every hook delivery of a connector shares one key: the log keeps them in arrival order, `published` decides the rest. */
const ORDERING_KEY = 'directory';

/**
 * Okta (okta.com), the tenant's directory of people and groups: event hooks (the secret in
 * `Authorization`, the one-time verification GET), SCIM 2.0 provisioning (its token derived from the
 * connector's secret, see okta-secrets.ts) and backfills through the management API. Its deliveries
 * become directory facts, applied by the ingest's DirectoryFactApplier.
 */
export const oktaConnector: SourceConnector<OktaConfig> = {
  kind: 'source',
  type: 'okta',
  description: 'Okta people and groups: event hooks (secret in Authorization), SCIM 2.0 provisioning, management API backfills',
  configSchema: OktaConfig,
  secretPaths: ['api.apiToken'],
  outboundUrls: [{ path: 'api.orgUrl', target: OKTA_TARGET, secretPaths: ['api.apiToken'] }],

  verifySignature(_rawBody, headers, signingSecret) {
    const given = headers.authorization;
    return sameSecret(Array.isArray(given) ? given[0] : given, signingSecret);
  },

  /**
   * Okta's verification GET carries the challenge in `X-Okta-Verification-Challenge`; the answer
   * echoes it. Whether the GET carries the Authorization header is not confirmed (okta.md), so
   * HooksService checks the secret only when one is sent: echoing a challenge discloses nothing and
   * changes nothing, and refusing a verification Okta sends without it would leave the hook unusable.
   */
  verificationChallenge(headers) {
    const value = headers['x-okta-verification-challenge'];
    const challenge = Array.isArray(value) ? value[0] : value;
    return challenge && challenge.length <= 1024 ? challenge : undefined;
  },

  credentials(connectorId, signingSecret) {
    return { scimToken: scimToken(connectorId, signingSecret) };
  },

  validateBody(body) {
    const parsed = OktaEventHookBody.safeParse(body);
    if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
    return { ok: true, orderingKey: ORDERING_KEY };
  },

  normalize(delivery) {
    const body = parseJson(delivery.body);
    switch (delivery.contentType) {
      case 'application/json': {
        const parsed = OktaEventHookBody.safeParse(body);
        if (!parsed.success) throw new NormalizeError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const facts = parsed.data.data.events.map(directoryFactOf).filter((f): f is DirectoryFactValue => f !== null);
        if (facts.length === 0) {
          return { ignored: { reason: 'no_directory_events', action: null, version: parsed.data.eventTypeVersion ?? null,
            type: [...new Set(parsed.data.data.events.map((e) => e.eventType))].join(',').slice(0, 256) } };
        }
        // in `published` order: a batch may list them otherwise, and a later one of the same person must win
        facts.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
        return { observations: [], facts: facts.map(asFact) };
      }
      case OKTA_TYPES.user:
        return { observations: [], facts: [asFact(userFact(parse(OktaUser, body), delivery.receivedAt.toISOString()))] };
      case OKTA_TYPES.group:
        return { observations: [], facts: [asFact(groupFact(parse(OktaGroup, body), delivery.receivedAt.toISOString()))] };
      case OKTA_TYPES.members: {
        // the members as read: each one stated a member at the read (a removal is not inferred from absence)
        const m = parse(OktaGroupMembers, body);
        return { observations: [], facts: m.users.map((u) => asFact({ eventId: null, time: m.readAt,
          person: userFact(u, m.readAt).person, group: { oktaId: m.groupId }, member: true })) };
      }
      default:
        throw new NormalizeError(`unknown content type ${delivery.contentType}`);
    }
  },

  history(config, http) {
    return config.api ? oktaHistory(config.api.orgUrl, config.api.apiToken, http) : undefined;
  },
};

const asFact = (value: DirectoryFactValue): SourceFact => ({ kind: DIRECTORY_FACT_KIND, value });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new NormalizeError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

