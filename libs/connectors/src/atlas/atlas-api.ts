/**
 * The catalog's REST API as the bridge uses it (Atlas REST v2; Atlan's `/api/meta` is the same API):
 * the port both the source side (a Process's inputs and outputs, tag type names, backfill search)
 * and the write-back use. Adapter: AtlasRestClient (atlas-rest.client.ts), tested against the fake
 * of test/fakes/atlas-server.ts that follows the contract, errors included.
 */

/** `{guid}` or `{typeName, uniqueAttributes: {qualifiedName}}`: how Atlas names an entity in a reference. */
export interface AtlasObjectId {
  guid?: string;
  typeName?: string;
  uniqueAttributes?: { qualifiedName: string };
}

export interface AtlasClassification {
  typeName: string;
  attributes?: Record<string, unknown>;
  /** the entity the tag was attached to directly; another entity's guid means the tag is propagated */
  entityGuid?: string;
  propagate?: boolean;
  removePropagationsOnEntityDelete?: boolean;
}

/** An entity as read (`GET /entity/guid/{guid}`) or written (`POST /entity/bulk`). */
export interface AtlasEntity {
  typeName: string;
  guid?: string;
  status?: 'ACTIVE' | 'DELETED' | 'PURGED';
  attributes: Record<string, unknown>;
  relationshipAttributes?: Record<string, unknown>;
  classifications?: AtlasClassification[];
  updatedBy?: string;
  updateTime?: number;
  /** Atlan only, with `bulk(…, {appendTags: true})`: tags to add or change, and to remove, in the same call */
  addOrUpdateClassifications?: AtlasClassification[];
  removeClassifications?: AtlasClassification[];
}

/** A Process's end as `relationshipAttributes.inputs|outputs` lists it (AtlasRelatedObjectId). */
export interface AtlasRelatedObject {
  guid: string;
  typeName: string;
  displayText?: string;
  entityStatus?: string;
  relationshipStatus?: string;
  uniqueAttributes?: { qualifiedName?: string };
}

export interface EntityMutationResponse {
  mutatedEntities?: Partial<Record<'CREATE' | 'UPDATE' | 'PARTIAL_UPDATE' | 'DELETE' | 'PURGE', { guid: string; typeName: string; attributes?: Record<string, unknown> }[]>>;
  guidAssignments?: Record<string, string>;
}

/**
 * A call the catalog answered with an error, or that did not get an answer: the status (0 when none),
 * Atlas's `errorCode` where its body has one (`ATLAS-404-00-009`), a message fit for the deliveries
 * log (never a credential), whether trying again may succeed (429, 502, 503, 504, 500 on idempotent
 * calls, timeouts), and the wait the catalog asked for (`Retry-After`).
 */
export class AtlasApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string | null,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'AtlasApiError';
  }
}

export interface AtlasApi {
  /** `GET /entity/guid/{guid}` (relationship attributes included); null on 404. */
  entityByGuid(guid: string): Promise<AtlasEntity | null>;
  /** `GET /entity/uniqueAttribute/type/{typeName}?attr:qualifiedName=`; null on 404. */
  entityByQualifiedName(typeName: string, qualifiedName: string): Promise<AtlasEntity | null>;
  /**
   * `POST /entity/bulk`: create or update; only the attributes present are written (an explicit null
   * clears one). `appendTags` (Atlan only) applies each entity's `addOrUpdateClassifications` and
   * `removeClassifications` in the same call; upstream Atlas ignores tags on update, so its tags go
   * through addClassifications/removeClassification.
   */
  bulk(entities: AtlasEntity[], options?: { appendTags?: boolean }): Promise<EntityMutationResponse>;
  /** `POST /entity/uniqueAttribute/type/{typeName}/classifications?attr:qualifiedName=` (204). */
  addClassifications(entity: { typeName: string; qualifiedName: string }, classifications: AtlasClassification[]): Promise<void>;
  /** `DELETE /entity/uniqueAttribute/type/{typeName}/classification/{name}?attr:qualifiedName=` (204); a tag not there is not an error. */
  removeClassification(entity: { typeName: string; qualifiedName: string }, name: string): Promise<void>;
  /** `GET /types/typedefs?type=classification`: each tag type's `name` (Atlan: a hashed id) and `displayName`. */
  classificationTypes(): Promise<{ name: string; displayName: string }[]>;
  /** One page of the catalog's entities for a backfill (`POST /search/basic`), from `offset`. */
  search(page: { typeNames: readonly string[]; offset: number; limit: number }): Promise<{ entities: AtlasEntity[]; approximateCount: number | null }>;
}
