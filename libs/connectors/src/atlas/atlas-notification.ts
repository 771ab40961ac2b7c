import { gunzipSync } from 'node:zlib';

/**
 * Atlas's notification envelope (AtlasNotificationMessage, atlas-bridge.md §1.2–1.3), as a Kafka
 * record's value or an Atlan webhook's body carries it: a message sent whole, compressed
 * (`msgCompressionKind: GZIP`, the message a base64 string), or one part of a split message.
 */

/** The entity notification inside an envelope (EntityNotificationV2), as far as the bridge reads it. */
export interface EntityNotification {
  type?: string;
  operationType?: string;
  eventTime?: number;
  entity?: Record<string, unknown>;
  relationship?: Record<string, unknown>;
  /** Atlan: the entity's changed attributes (ENTITY_UPDATE) or the tags added or removed */
  mutatedDetails?: unknown;
  /** Atlan: the originating request's `x-atlan-*` headers */
  headers?: Record<string, string>;
}

/** A decoded envelope: the notification and what the envelope says around it. */
export interface AtlasEnvelope {
  /** `1.0.0`; null for an old-style payload with no envelope (the notification itself) */
  version: string | null;
  msgCreatedBy: string | null;
  msgCreationTime: number | null;
  message: EntityNotification;
}

/** One part of a split message, to buffer by `msgId` until all `count` parts are in (see SplitAssembler). */
export interface NotificationPart {
  msgId: string;
  /** 0-based */
  index: number;
  count: number;
  compression: 'NONE' | 'GZIP';
  /** this part's slice of the base64 text */
  text: string;
}

export type DecodedRecord =
  /** `text`: the envelope's JSON as decoded from base64 (and GZIP), when the record carried it encoded */
  | { kind: 'whole'; envelope: AtlasEnvelope; text?: string }
  | { kind: 'part'; part: NotificationPart }
  /** why the record can never be read (it goes to the dead letters with this reason) */
  | { kind: 'unreadable'; reason: string };

/** The newest envelope major version this reader understands (Atlas refuses newer ones too). */
const MAX_MAJOR_VERSION = 1;

/** A record's value (or a webhook body), decoded as far as one record allows. */
export function decodeRecord(value: string | unknown): DecodedRecord {
  let o: unknown;
  if (typeof value === 'string') {
    try {
      o = JSON.parse(value);
    } catch (err) {
      return { kind: 'unreadable', reason: `not JSON: ${(err as Error).message}` };
    }
  } else {
    o = value;
  }
  if (!isObject(o)) return { kind: 'unreadable', reason: 'not a JSON object' };
  if (o.version === undefined || o.version === null) {
    // an old-style payload: the notification itself, with no envelope around it
    return { kind: 'whole', envelope: { version: null, msgCreatedBy: null, msgCreationTime: null, message: o as EntityNotification } };
  }
  const version = isObject(o.version) && typeof o.version.version === 'string' ? o.version.version : null;
  if (version === null) return { kind: 'unreadable', reason: 'version is not {version: "<x.y.z>"}' };
  const major = Number.parseInt(version.split('.')[0]!, 10);
  if (!Number.isFinite(major)) return { kind: 'unreadable', reason: `version ${JSON.stringify(version)} is not a version number` };
  if (major > MAX_MAJOR_VERSION) return { kind: 'unreadable', reason: `newer message version ${version} (this reader knows 1.x)` };
  const compression = o.msgCompressionKind ?? 'NONE';
  if (compression !== 'NONE' && compression !== 'GZIP') return { kind: 'unreadable', reason: `unknown msgCompressionKind ${JSON.stringify(compression)}` };
  const count = o.msgSplitCount ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return { kind: 'unreadable', reason: `msgSplitCount ${JSON.stringify(count)} is not a positive integer` };
  if (count > 1) {
    const index = o.msgSplitIdx;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      return { kind: 'unreadable', reason: `msgSplitIdx ${JSON.stringify(index)} is not a part of 0..${count - 1}` };
    }
    if (typeof o.msgId !== 'string' || o.msgId === '') return { kind: 'unreadable', reason: 'a split message part without msgId' };
    if (typeof o.message !== 'string') return { kind: 'unreadable', reason: 'a split message part whose message is not a string' };
    return { kind: 'part', part: { msgId: o.msgId, index, count, compression, text: o.message } };
  }
  if (compression === 'GZIP') {
    if (typeof o.message !== 'string') return { kind: 'unreadable', reason: 'a GZIP message whose message is not a string' };
    return inner(o.message, 'GZIP');
  }
  if (!isObject(o.message)) return { kind: 'unreadable', reason: 'message is not an object' };
  return { kind: 'whole', envelope: envelopeOf(o, version) };
}

/** The envelope a split message's parts make, all `count` of them given in index order. */
export function joinParts(parts: readonly NotificationPart[]): DecodedRecord {
  // split + NONE is base64 of the JSON still (AbstractNotification): only GZIP adds the gunzip
  return inner(parts.map((p) => p.text).join(''), parts[0]!.compression);
}

/** The full envelope a compressed or split message's base64 text holds. */
function inner(text: string, compression: 'NONE' | 'GZIP'): DecodedRecord {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return { kind: 'unreadable', reason: 'message is not base64' };
  let json: string;
  try {
    const bytes = Buffer.from(text, 'base64');
    json = (compression === 'GZIP' ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    return { kind: 'unreadable', reason: `message does not gunzip: ${(err as Error).message}` };
  }
  const decoded = decodeRecord(json);
  if (decoded.kind === 'part') return { kind: 'unreadable', reason: 'a decoded message is itself a split part' };
  return decoded.kind === 'whole' ? { ...decoded, text: json } : decoded;
}

function envelopeOf(o: Record<string, unknown>, version: string): AtlasEnvelope {
  return {
    version,
    msgCreatedBy: typeof o.msgCreatedBy === 'string' ? o.msgCreatedBy : null,
    msgCreationTime: typeof o.msgCreationTime === 'number' ? o.msgCreationTime : null,
    message: o.message as EntityNotification,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
