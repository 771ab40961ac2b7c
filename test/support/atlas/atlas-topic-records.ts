import { gzipSync } from 'node:zlib';

/**
 * ATLAS_ENTITIES record values built as Apache Atlas builds them (atlas-bridge.md §1.2–1.3,
 * AbstractNotification.createNotificationMessages): compact JSON with the fields in Jackson's order;
 * GZIP = base64 (standard, padded, no line breaks) of the gzip of the JSON's UTF-8; a split message =
 * that base64 text cut into n slices, parts 0-based, the same msgId on each.
 */

/** The whole envelope of an entity notification, as Atlas writes it before any compression. */
export function entityEnvelope(guid: string, opts: { operationType?: string; typeName?: string; qualifiedName?: string; padding?: number } = {}) {
  return {
    source: {}, version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE', msgSplitIdx: 1, msgSplitCount: 1,
    msgSourceIP: '10.20.30.40', msgCreatedBy: '', msgCreationTime: 1764000000187, spooled: false,
    message: {
      type: 'ENTITY_NOTIFICATION_V2',
      entity: {
        typeName: opts.typeName ?? 'hive_table',
        attributes: { qualifiedName: opts.qualifiedName ?? `sales.${guid}@cl1`, name: guid, owner: 'etl',
          // a long description makes a message worth compressing and splitting, as a big one is
          ...(opts.padding ? { description: 'x'.repeat(opts.padding) } : {}) },
        guid, status: 'ACTIVE', displayText: guid, classificationNames: [], classifications: [], isIncomplete: false,
      },
      operationType: opts.operationType ?? 'ENTITY_CREATE', eventTime: 1764000000100,
    },
  };
}

/** The whole envelope of a relationship notification (sent only when atlas.notification.relationships.enabled). */
export function relationshipEnvelope(guid: string) {
  return {
    source: {}, version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE', msgSplitIdx: 1, msgSplitCount: 1,
    msgSourceIP: '10.20.30.40', msgCreatedBy: '', msgCreationTime: 1764000000187, spooled: false,
    message: {
      type: 'ENTITY_NOTIFICATION_V2',
      relationship: { typeName: 'dataset_process_inputs', guid, status: 'ACTIVE', propagateTags: 'TWO_TO_ONE', label: 'r:dataset_process_inputs',
        end1: { guid: 'guid-process', typeName: 'hive_process', uniqueAttributes: { qualifiedName: 'etl.load@cl1' } },
        end2: { guid: 'guid-table', typeName: 'hive_table', uniqueAttributes: { qualifiedName: 'sales.orders@cl1' } } },
      operationType: 'RELATIONSHIP_CREATE', eventTime: 1764000000100,
    },
  };
}

/** A message sent whole: its compact JSON. */
export const wholeValue = (envelope: object): string => JSON.stringify(envelope);

/** base64(gzip(utf8(json))), as commons-codec encodes it. */
export const gzipText = (envelope: object): string => gzipSync(Buffer.from(JSON.stringify(envelope), 'utf8')).toString('base64');

/** A message sent compressed in one record. */
export const gzipValue = (envelope: object, msgId: string, text = gzipText(envelope)): string =>
  JSON.stringify({ version: { version: '1.0.0', versionParts: [1] }, msgId, msgCompressionKind: 'GZIP', msgSplitIdx: 1, msgSplitCount: 1, message: text });

/** A message split into `count` records (index order); without compression the slices are of base64(utf8(json)) still. */
export function splitValues(envelope: object, msgId: string, count: number, compression: 'GZIP' | 'NONE' = 'GZIP'): string[] {
  const text = compression === 'GZIP' ? gzipText(envelope) : Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_, i) => JSON.stringify({
    version: { version: '1.0.0', versionParts: [1] }, msgId, msgCompressionKind: compression, msgSplitIdx: i, msgSplitCount: count,
    message: text.slice(i * size, Math.min((i + 1) * size, text.length)),
  }));
}
