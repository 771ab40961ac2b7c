import type { OutboundHttp } from '@tributary/outbound';
import { sameSecret } from '../okta/okta-secrets';
import { NormalizeError, parseJson, SourceConnector } from '../source-connector';
import { AtlasEntity } from './atlas-api';
import { ATLAN_TARGET, ATLAS_TARGET, AtlanConfig, AtlasConfig, AtlasFlavour, BridgeConfig } from './atlas-config';
import { ATLAS_ENTITY_FACT } from './atlas-fact';
import { ATLAS_ENTITY_TYPE, atlasHistory, BackfilledEntity } from './atlas-history.source';
import { AtlasNormalized, factOf, isValidationPing, normalizeNotification } from './atlas-normalizer';
import { decodeRecord } from './atlas-notification';
import { AtlasRestClient } from './atlas-rest.client';

/** Atlan's webhook header: the secret shown once when the webhook was saved, sent verbatim (§1.5). */
const SIGNING_HEADER = 'x-atlan-signing-secret';

/** The ordering key of Atlan's validation pings: they are about no entity. */
const PING_KEY = 'validation_ping';
/** The ordering key of an envelope whose content cannot be read: its entity is unknown. */
const UNREADABLE_KEY = 'unreadable';

/** The catalog's REST API for a connector's config, through the platform's outbound policy. */
export function atlasApiOf(flavour: AtlasFlavour, config: BridgeConfig, http: OutboundHttp): AtlasRestClient {
  return new AtlasRestClient(flavour, config, http);
}

/**
 * The Atlas / Atlan bridge's source side, one implementation for both flavours: Apache Atlas's
 * changes come from its Kafka topic (the ingestor's topic reader logs each complete notification as
 * a delivery), Atlan's from its webhooks; both, and a backfill's entities, become ATLAS_ENTITY_FACTs
 * applied by the ingest's AtlasEntityApplier.
 */
function bridgeConnector<C extends BridgeConfig>(flavour: AtlasFlavour, configSchema: SourceConnector<C>['configSchema']): SourceConnector<C> {
  const atlan = flavour === 'atlan';
  return {
    kind: 'source',
    type: flavour,
    description: atlan
      ? 'Atlan: entity changes from its webhooks (x-atlan-signing-secret), backfills and write-back through /api/meta with an API token'
      : 'Apache Atlas: entity changes from its Kafka topic ATLAS_ENTITIES, backfills and write-back through REST v2 with basic auth',
    configSchema,
    secretPaths: atlan ? ['apiToken'] : ['auth.password', 'kafka.sasl.password'],
    outboundUrls: [{ path: 'baseUrl', target: atlan ? ATLAN_TARGET : ATLAS_TARGET, secretPaths: atlan ? ['apiToken'] : ['auth.password'] }],

    // Atlas sends no webhooks: its changes come from its Kafka topic
    receivesWebhooks: atlan,

    /**
     * Atlan sends the webhook's secret verbatim in `x-atlan-signing-secret`, compared in constant
     * time. Its validation ping comes before the secret exists, so without one: only that exact body
     * is taken (kept as ignored, never applied).
     */
    verifySignature(rawBody, headers, signingSecret) {
      if (!atlan) return false;
      const given = headers[SIGNING_HEADER];
      if (given === undefined) return isValidationPingBytes(rawBody);
      return sameSecret(Array.isArray(given) ? given[0] : given, signingSecret);
    },

    validateBody(body) {
      if (atlan && isValidationPing(body)) return { ok: true, orderingKey: PING_KEY };
      const decoded = decodeRecord(body);
      // an envelope whose content cannot be read (corrupt base64 or GZIP, a newer version) is logged
      // all the same: the ingestor parks it in the dead letters with the reason, the body kept to inspect
      if (decoded.kind === 'unreadable') {
        return isEnvelope(body) ? { ok: true, orderingKey: UNREADABLE_KEY } : { ok: false, issues: [{ path: '', message: decoded.reason }] };
      }
      if (decoded.kind === 'part') {
        return { ok: false, issues: [{ path: 'msgSplitIdx', message: `a part (${decoded.part.index + 1} of ${decoded.part.count}) of split message ${decoded.part.msgId}: a webhook must carry a whole message` }] };
      }
      const m = decoded.envelope.message as Record<string, unknown>;
      const entity = m?.entity as { guid?: unknown } | undefined;
      const relationship = m?.relationship as { guid?: unknown } | undefined;
      if (typeof entity?.guid === 'string' && entity.guid !== '') return { ok: true, orderingKey: `entity:${entity.guid}` };
      if (typeof relationship?.guid === 'string' && relationship.guid !== '') return { ok: true, orderingKey: `relationship:${relationship.guid}` };
      return { ok: false, issues: [{ path: 'message', message: 'the notification names neither an entity nor a relationship by guid' }] };
    },

    normalize(delivery, config) {
      let normalized: AtlasNormalized;
      switch (delivery.contentType) {
        case 'application/json':
          normalized = normalizeNotification(flavour, delivery.body, config);
          break;
        case ATLAS_ENTITY_TYPE: {
          const read = BackfilledEntity.safeParse(parseJson(delivery.body));
          if (!read.success) throw new NormalizeError(read.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
          const entity = read.data.entity as unknown as AtlasEntity;
          // as of its last update where the catalog says (a newer notification is never overwritten), else as read
          normalized = factOf(flavour, entity, 'ENTITY_CREATE', typeof entity.updateTime === 'number' ? entity.updateTime : read.data.readAt, config);
          break;
        }
        default:
          throw new NormalizeError(`unknown content type ${delivery.contentType}`);
      }
      if ('ignored' in normalized) return { ignored: normalized.ignored };
      return { observations: [], facts: [{ kind: ATLAS_ENTITY_FACT, value: normalized.fact }] };
    },

    history(config, http) {
      return atlasHistory(config, atlasApiOf(flavour, config, http));
    },
  };
}

/** A body that says it is an envelope (it names its version), whatever its content. */
const isEnvelope = (body: unknown) => typeof body === 'object' && body !== null && !Array.isArray(body) && 'version' in body;

/** Whether raw bytes are the validation ping: parsed (it is small) and compared as JSON. */
function isValidationPingBytes(rawBody: Buffer): boolean {
  if (rawBody.length > 256) return false;
  try {
    return isValidationPing(JSON.parse(rawBody.toString('utf8')));
  } catch {
    return false;
  }
}

export const atlasConnector: SourceConnector<AtlasConfig> = bridgeConnector<AtlasConfig>('atlas', AtlasConfig);
export const atlanConnector: SourceConnector<AtlanConfig> = bridgeConnector<AtlanConfig>('atlan', AtlanConfig);
