import { z } from 'zod';

/** The fact kind of one catalog entity notification, applied by the ingest's AtlasEntityApplier. */
export const ATLAS_ENTITY_FACT = 'atlas_entity';

/**
 * One entity notification of Atlas or Atlan (an EntityNotificationV2 with an entity header), as the
 * connector's mapping reads it: the entity's type and name in the catalog, the asset it is in
 * Tributary (or a process: lineage), the attributes kept, and the tags attached to it directly.
 */
export const AtlasEntityFact = z.strictObject({
  flavour: z.enum(['atlas', 'atlan']),
  /** ENTITY_CREATE, ENTITY_UPDATE, ENTITY_DELETE, CLASSIFICATION_ADD, CLASSIFICATION_DELETE, CLASSIFICATION_UPDATE, BUSINESS_ATTRIBUTE_UPDATE; RELATIONSHIP_* for a process at a relationship's end (its ends to read again) */
  operationType: z.string(),
  /** the change's time (the notification's `eventTime`, epoch ms): an older notification than the entity's last applied one is stale */
  eventTime: z.number(),
  guid: z.string().min(1),
  /** the catalog's entity type */
  typeName: z.string().min(1),
  /** the asset type it becomes; null for a process */
  assetType: z.string().nullable(),
  isProcess: z.boolean(),
  /** the catalog's qualifiedName */
  catalogQualifiedName: z.string().min(1),
  /** the asset's qualified name: the connector's prefix + the catalog's */
  qualifiedName: z.string().min(1),
  name: z.string().nullable(),
  status: z.enum(['ACTIVE', 'DELETED', 'PURGED']),
  /** the attributes the connector keeps, as the header carries them */
  attributes: z.record(z.string(), z.unknown()),
  /**
   * the tag types attached to the entity directly (`entityGuid` equal to the entity's guid), as the
   * catalog names them (Atlan: hashed ids); null when the header lists no classifications at all
   * (not the same as an empty list: an entity update without them says nothing about tags)
   */
  directTags: z.array(z.string()).nullable(),
  /** who made the change, where the catalog says (Atlan's `updatedBy`) */
  updatedBy: z.string().nullable(),
});
export type AtlasEntityFact = z.infer<typeof AtlasEntityFact>;
