import type { IgnoredDelivery } from '../source-connector';
import { NormalizeError } from '../source-connector';
import type { AtlasEntity } from './atlas-api';
import { AtlanConfig, AtlasFlavour, BridgeConfig, DEFAULT_ENTITY_TYPES } from './atlas-config';
import { AtlasEntityFact } from './atlas-fact';
import { AtlasEnvelope, decodeRecord, EntityNotification } from './atlas-notification';

/**
 * From a catalog's notification (or an entity a backfill read) to the bridge's entity fact: which
 * asset type the entity is, which of its attributes are kept, which tags are attached to it
 * directly, and whether the notification is one to ignore (the bridge's own write, an operation or
 * a type it does not read). Contract: ../shared/contracts/atlas-bridge.md §1.4–1.6, §5.
 */

/** Atlan's webhook validation request, sent on Validate and every Save, without the signing secret (§1.5). */
export const ATLAN_VALIDATION_PING = { 'atlan-webhook': 'Hello, humans of data! It worked. Excited to see what you build!' } as const;

/** The header Tributary's REST client sends with every call and Atlan echoes into the notifications it causes (§5 rule 3). */
export const AGENT_ID = 'tributary';

/** Entity operations that say what an entity is now; unknown operations are not read (relationship ones: see processHint). */
const ENTITY_OPERATIONS = new Set([
  'ENTITY_CREATE', 'ENTITY_UPDATE', 'ENTITY_DELETE', 'CLASSIFICATION_ADD', 'CLASSIFICATION_DELETE', 'CLASSIFICATION_UPDATE', 'BUSINESS_ATTRIBUTE_UPDATE',
]);

const STATUSES = new Set(['ACTIVE', 'DELETED', 'PURGED']);

export type AtlasNormalized = { fact: AtlasEntityFact } | { ignored: IgnoredDelivery };

/** Whether a body is Atlan's validation ping (whatever its whitespace: the JSON is compared, not the bytes). */
export function isValidationPing(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  return keys.length === 1 && (body as Record<string, unknown>)['atlan-webhook'] === ATLAN_VALIDATION_PING['atlan-webhook'];
}

/** A logged notification (webhook body, or an envelope the topic reader decoded) as a fact, or why it is ignored. Throws NormalizeError. */
export function normalizeNotification(flavour: AtlasFlavour, body: string, config: BridgeConfig): AtlasNormalized {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new NormalizeError(`body is not JSON: ${(err as Error).message}`);
  }
  if (isValidationPing(parsed)) return ignore('validation_ping', null, null, null);
  const decoded = decodeRecord(parsed);
  if (decoded.kind === 'unreadable') throw new NormalizeError(decoded.reason);
  if (decoded.kind === 'part') {
    throw new NormalizeError(`a part (${decoded.part.index + 1} of ${decoded.part.count}) of split message ${decoded.part.msgId}: only a whole message can be read`);
  }
  return fromEnvelope(flavour, decoded.envelope, config);
}

function fromEnvelope(flavour: AtlasFlavour, envelope: AtlasEnvelope, config: BridgeConfig): AtlasNormalized {
  const m: EntityNotification = envelope.message;
  if (!isObject(m)) throw new NormalizeError('the notification is not an object');
  const version = envelope.version;
  const operation = typeof m.operationType === 'string' ? m.operationType : null;
  if (m.type !== undefined && m.type !== 'ENTITY_NOTIFICATION_V2') {
    // v1 notifications (legacy hooks) carry a whole AtlasEntity in another shape: not read
    return ignore('unsupported_version', operation, typeof m.type === 'string' ? m.type : null, version);
  }
  if (operation === null) throw new NormalizeError('the notification has no operationType');
  if (operation.startsWith('RELATIONSHIP_')) return processHint(flavour, m, operation, config, version);
  if (!ENTITY_OPERATIONS.has(operation)) return ignore('unsupported_operation', operation, entityType(m), version);
  if (!hasEventTime(m)) throw new NormalizeError('the notification has no numeric eventTime');
  if (!isObject(m.entity)) throw new NormalizeError(`a ${operation} notification without an entity`);
  if (isOwnWrite(m, config)) return ignore('own_write', operation, entityType(m), version);
  return factOf(flavour, m.entity as unknown as AtlasEntity, operation, m.eventTime, config, version);
}

/**
 * The bridge's own write coming back (§5 rule 3): Atlan names the token's user in `updatedBy`, and
 * echoes the `x-atlan-agent-id` header the REST client sends. Upstream Atlas says neither: its own
 * writes are recognised by the applier, against the write-back's outbox.
 */
function isOwnWrite(m: EntityNotification, config: BridgeConfig): boolean {
  if (m.headers && isObject(m.headers) && m.headers['x-atlan-agent-id'] === AGENT_ID) return true;
  const serviceUser = (config as Partial<AtlanConfig>).serviceUser;
  if (!serviceUser) return false;
  const entity = m.entity as Record<string, unknown>;
  const details = isObject(m.mutatedDetails) ? m.mutatedDetails : {};
  return entity.updatedBy === serviceUser || details.updatedBy === serviceUser;
}

/**
 * A relationship notification (upstream, with `atlas.notification.relationships.enabled`, §2.2 step 5):
 * a relationship made or removed through the relationship API changes a process's inputs or outputs
 * with no ENTITY_UPDATE of the process. One with a process at an end is read as a notification of
 * that process, which the applier answers as it does any: it reads the process's live ends from the
 * catalog and makes its edges those. The other relationships (a term's, a column's) are ignored.
 */
function processHint(flavour: AtlasFlavour, m: EntityNotification, operation: string, config: BridgeConfig, version: string | null): AtlasNormalized {
  if (!isObject(m.relationship)) throw new NormalizeError(`a ${operation} notification without a relationship`);
  const ends = [m.relationship.end1, m.relationship.end2].filter(isObject);
  const process = ends.find((end) => typeof end.typeName === 'string' && config.processTypes.includes(end.typeName));
  if (!process) return ignore('relationship_notification', operation, relationshipType(m), version);
  if (!hasEventTime(m)) throw new NormalizeError('the notification has no numeric eventTime');
  const unique = isObject(process.uniqueAttributes) ? process.uniqueAttributes : {};
  const catalogName = unique.qualifiedName;
  if (typeof process.guid !== 'string' || process.guid === '' || typeof catalogName !== 'string' || catalogName === '') {
    throw new NormalizeError(`a ${operation} notification (${relationshipType(m) ?? 'no typeName'}) whose process end has no guid `
      + 'or no uniqueAttributes.qualifiedName: the process cannot be named');
  }
  // a hint, not a header: it says nothing of the process's name, attributes or tags
  const entity = { guid: process.guid, typeName: process.typeName as string, status: 'ACTIVE' as const, attributes: { qualifiedName: catalogName } };
  return factOf(flavour, entity, operation, m.eventTime, config, version);
}

/** An entity (a notification's header, or an entity read by a backfill) as the connector's mapping reads it. */
export function factOf(flavour: AtlasFlavour, entity: AtlasEntity, operation: string, eventTime: number, config: BridgeConfig,
  version: string | null = null): AtlasNormalized {
  const guid = entity.guid;
  const typeName = entity.typeName;
  if (typeof guid !== 'string' || guid === '') throw new NormalizeError('the entity has no guid');
  if (typeof typeName !== 'string' || typeName === '') throw new NormalizeError(`entity ${guid} has no typeName`);
  const attributes = isObject(entity.attributes) ? entity.attributes : {};
  const catalogName = attributes.qualifiedName;
  if (typeof catalogName !== 'string' || catalogName === '') throw new NormalizeError(`entity ${guid} (${typeName}) has no qualifiedName`);
  const isProcess = config.processTypes.includes(typeName);
  const assetType = isProcess ? null : assetTypeOf(typeName, config);
  if (assetType === null && !isProcess) return ignore('unmapped_type', operation, typeName, version);
  const status = entity.status ?? 'ACTIVE';
  if (!STATUSES.has(status)) throw new NormalizeError(`entity ${guid} has an unknown status ${JSON.stringify(status)}`);
  const kept = Object.fromEntries(config.keepAttributes.filter((k) => k in attributes).map((k) => [k, attributes[k]]));
  const { updatedBy, displayText } = entity as { updatedBy?: unknown; displayText?: unknown };
  const fact: AtlasEntityFact = {
    flavour, operationType: operation, eventTime, guid, typeName, assetType, isProcess,
    catalogQualifiedName: catalogName,
    qualifiedName: `${config.qualifiedNamePrefix}${catalogName}`,
    name: typeof attributes.name === 'string' ? attributes.name : typeof displayText === 'string' ? displayText : null,
    status: status as AtlasEntityFact['status'],
    attributes: kept,
    directTags: directTagsOf(entity, operation),
    updatedBy: typeof updatedBy === 'string' ? updatedBy : null,
  };
  return { fact: AtlasEntityFact.parse(fact) };
}

/** The asset type of a catalog type: the connector's mapping over the defaults; a type in neither is `other`, one mapped to null none. */
export function assetTypeOf(typeName: string, config: Pick<BridgeConfig, 'entityTypes'>): string | null {
  if (Object.hasOwn(config.entityTypes, typeName)) return config.entityTypes[typeName]!;
  if (Object.hasOwn(DEFAULT_ENTITY_TYPES, typeName)) return DEFAULT_ENTITY_TYPES[typeName]!;
  return 'other';
}

/**
 * The tags attached to the entity itself: a classification whose `entityGuid` names another entity
 * is a copy the catalog propagated (its own output, §1.4 and §5 rule 4), never imported. A header
 * without `classifications` says nothing about tags, except after a CLASSIFICATION_DELETE: the
 * header shows the entity's current tags, and Atlas leaves the list out when none remain.
 */
function directTagsOf(entity: AtlasEntity, operation: string): string[] | null {
  if (!Array.isArray(entity.classifications)) return operation === 'CLASSIFICATION_DELETE' ? [] : null;
  const names = (entity.classifications as unknown[])
    .filter((c): c is { typeName: string; entityGuid?: unknown } => isObject(c) && typeof c.typeName === 'string')
    .filter((c) => c.entityGuid === undefined || c.entityGuid === null || c.entityGuid === entity.guid)
    .map((c) => c.typeName);
  return [...new Set(names)].sort();
}

const hasEventTime = (m: EntityNotification): m is EntityNotification & { eventTime: number } =>
  typeof m.eventTime === 'number' && Number.isFinite(m.eventTime);
const entityType = (m: EntityNotification) => (isObject(m.entity) && typeof m.entity.typeName === 'string' ? m.entity.typeName : null);
const relationshipType = (m: EntityNotification) => (isObject(m.relationship) && typeof m.relationship.typeName === 'string' ? m.relationship.typeName : null);

const ignore = (reason: string, action: string | null, type: string | null, version: string | null): AtlasNormalized =>
  ({ ignored: { reason, action, type, version } });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
