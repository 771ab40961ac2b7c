import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AtlanConfig, AtlasConfig, type AtlasFlavour } from '../../../libs/connectors/src/atlas/atlas-config';
import { type OnReceive, reportWhenAnswered } from './received-request';

/*
 * A local Apache Atlas (REST v2 under /api/atlas/v2, HTTP Basic) or Atlan (the same API under
 * /api/meta, Bearer API tokens) as /work/shared/contracts/atlas-bridge.md describes it, for the
 * bridge's tests and benchmark:
 *
 * - entities by guid and by (typeName, qualifiedName); `POST /entity/bulk` with placeholder guids,
 *   `guidAssignments`, `mutatedEntities`; on update only the attributes present are written, an
 *   explicit null clears one, and an update that changes nothing is skipped and emits nothing (§3.3);
 *   unknown type 400 ATLAS-400-00-014, dangling reference 404 ATLAS-404-00-00A, missing
 *   qualifiedName 404 ATLAS-404-00-007; tags in a bulk body apply on create only, except Atlan's
 *   `?appendTags=true` with `addOrUpdateClassifications` / `removeClassifications`;
 * - a Process's `relationshipAttributes.inputs|outputs` (AtlasRelatedObjectId) and a dataset's
 *   `inputToProcesses|outputFromProcesses`;
 * - tags: POST (204; the §3.4 order of checks 400-014 → 404-009 → 404-008 → 400-01A), DELETE (204;
 *   400 ATLAS-400-00-06D when not there); a tag keeps its `entityGuid` and `propagate`. The fake
 *   never propagates tags itself (seed a propagated copy with `seed.addPropagatedTag`);
 * - `GET /types/typedefs?type=classification` (Atlan: hashed names with a displayName);
 *   `POST /search/basic` paged by offset/limit with `approximateCount`;
 * - auth: a bad Basic credential answers Jetty's HTML 401 with `X-Frame-Options: DENY`; a bad
 *   token `{"message":"Unauthorized"}` (Atlan's real body is unknown). Each credential is a user,
 *   recorded as `updatedBy` on what it changes (an Atlan token is `service-account-apikey-<uuid>`);
 * - fault injection (`fail`) and a request log;
 * - notifications: every effective change is an EntityNotificationV2 in an AtlasNotificationMessage
 *   envelope (§1.2, §1.4, §1.6) handed to the listeners; a relationship made or removed through the
 *   relationship API (`seed.relate`, `seed.unrelate`) changes a process's ends with no entity
 *   notification, and is a RELATIONSHIP_* notification only to `listenRelationships` listeners (upstream
 *   sends them with `atlas.notification.relationships.enabled`, off by default: §1.1).
 */

export interface AtlasFakeClassification {
  typeName: string;
  attributes?: Record<string, unknown>;
  entityGuid: string;
  propagate: boolean;
  removePropagationsOnEntityDelete: boolean;
}

export interface AtlasFakeEntity {
  guid: string;
  typeName: string;
  status: 'ACTIVE' | 'DELETED';
  attributes: Record<string, unknown>;
  classifications: AtlasFakeClassification[];
  /** a Process's ends, by guid */
  inputs: string[];
  outputs: string[];
  createdBy: string;
  updatedBy: string;
  createTime: number;
  updateTime: number;
  version: number;
}

export interface AtlasFakeRequest {
  /** when it arrived, epoch ms */
  at: number;
  method: string;
  /** the whole path, prefix included, without the query */
  path: string;
  /** the path after `/api/atlas/v2` or `/api/meta` */
  apiPath: string;
  query: Record<string, string>;
  /** parsed JSON, or the raw text when it is not JSON (undefined when empty) */
  body: unknown;
  headers: Record<string, string | undefined>;
  status: number;
  /** the user the credential maps to; null when refused */
  user: string | null;
}

export interface AtlasFakeFault {
  status: 400 | 401 | 404 | 429 | 500 | 502 | 503 | 504;
  /** how many matching requests get it (default 1) */
  times?: number;
  /** only requests whose API path (after the prefix) matches; a string is a prefix */
  path?: string | RegExp;
  method?: string;
  /** the Retry-After header sent with it, as given */
  retryAfter?: string;
  /** the body, instead of the status's default (an object is sent as JSON) */
  body?: unknown;
}

/** An AtlasNotificationMessage as the fake emits it (never compressed or split). */
export interface AtlasFakeEnvelope {
  source: Record<string, never>;
  version: { version: string; versionParts: number[] };
  msgCompressionKind: 'NONE';
  msgSplitIdx: 1;
  msgSplitCount: 1;
  msgSourceIP: string;
  msgCreatedBy: '';
  msgCreationTime: number;
  spooled: false;
  message: {
    type: 'ENTITY_NOTIFICATION_V2';
    entity: Record<string, unknown>;
    operationType: string;
    eventTime: number;
    mutatedDetails?: unknown;
    headers?: Record<string, string>;
  };
}

export type AtlasFakeListener = (envelope: AtlasFakeEnvelope) => void;

/** A relationship notification in its envelope: an AtlasRelationshipHeader whose ends are AtlasObjectIds (§1.4). */
export interface AtlasFakeRelationshipEnvelope extends Omit<AtlasFakeEnvelope, 'message'> {
  message: {
    type: 'ENTITY_NOTIFICATION_V2';
    relationship: {
      typeName: string;
      guid: string;
      status: 'ACTIVE' | 'DELETED';
      propagateTags: string;
      label: string;
      end1: { guid: string; typeName: string; uniqueAttributes: { qualifiedName: unknown } };
      end2: { guid: string; typeName: string; uniqueAttributes: { qualifiedName: unknown } };
    };
    operationType: 'RELATIONSHIP_CREATE' | 'RELATIONSHIP_DELETE';
    eventTime: number;
  };
}

export interface AtlasFakeOptions {
  flavour: AtlasFlavour;
  /** tag types the catalog knows, by the name users see (Atlan hashes the typedef name) */
  tagTypes?: string[];
  onNotification?: AtlasFakeListener;
  onReceive?: OnReceive;
}

/** Who acts in a seeding helper: a user name, and (Atlan) the `x-atlan-*` headers its request carried. */
export interface AtlasFakeActor {
  user: string;
  headers?: Record<string, string>;
}

export interface AtlasFake {
  flavour: AtlasFlavour;
  /** what a connector config's `baseUrl` is (the API path is added by the client) */
  baseUrl: string;
  /** the bridge's credential: Atlas `{username, password}`, Atlan `{apiToken}` */
  credentials: { username: string; password: string } | { apiToken: string };
  /** the user the bridge's credential maps to (Atlan: `service-account-apikey-<uuid>`) */
  serviceUser: string;
  /** a connector config for this fake (writeBack on), with `extra` merged in */
  config(extra?: Record<string, unknown>): AtlasConfig | AtlanConfig;
  /** another credential for the same catalog, mapped to `user` (Atlas: its password; Atlan: a token) */
  addCredential(user: string): { username: string; password: string } | { apiToken: string };
  entities: Map<string, AtlasFakeEntity>;
  requests: AtlasFakeRequest[];
  /** the writes the fake received (every non-GET request but searches) */
  writes(): AtlasFakeRequest[];
  /** the next matching requests answer `fault.status` */
  fail(fault: AtlasFakeFault): void;
  /** forgets the injected faults not yet answered */
  clearFaults(): void;
  listen(listener: AtlasFakeListener): void;
  /** relationship notifications, as upstream sends them when they are enabled */
  listenRelationships(listener: (envelope: AtlasFakeRelationshipEnvelope) => void): void;
  /** a tag type's name in the catalog (Atlan: the hashed id) for the name users see; registers it if new */
  tagName(displayName: string): string;
  seed: {
    /** creates (or finds) an entity as `actor`, emitting ENTITY_CREATE; returns its guid */
    entity(actor: AtlasFakeActor, e: { typeName: string; qualifiedName: string; name?: string; attributes?: Record<string, unknown> }): string;
    /** creates a Process between entities (guids) as `actor`: ENTITY_CREATE, then (Atlan) ENTITY_UPDATE per end */
    process(actor: AtlasFakeActor, p: { typeName?: string; qualifiedName: string; name?: string; inputs: string[]; outputs: string[] }): string;
    /** attaches a tag directly, as the classification endpoint does (throws what it would answer) */
    addTag(actor: AtlasFakeActor, guid: string, displayName: string, options?: { propagate?: boolean }): void;
    /** a propagated copy of a tag attached to `fromGuid`, as Atlas's propagation task adds it */
    addPropagatedTag(actor: AtlasFakeActor, guid: string, displayName: string, fromGuid: string): void;
    removeTag(actor: AtlasFakeActor, guid: string, displayName: string): void;
    /** sets attributes as the UI would (only changes emit) */
    update(actor: AtlasFakeActor, guid: string, attributes: Record<string, unknown>): void;
    remove(actor: AtlasFakeActor, guid: string): void;
    /** makes `end` an input or output of `process` as `POST /relationship` would: a RELATIONSHIP_CREATE, no entity notification */
    relate(actor: AtlasFakeActor, r: { process: string; end: string; as: 'input' | 'output' }): void;
    /** removes that relationship as `DELETE /relationship/guid/{guid}` would: a RELATIONSHIP_DELETE, no entity notification */
    unrelate(actor: AtlasFakeActor, r: { process: string; end: string; as: 'input' | 'output' }): void;
  };
  /** an entity by guid, or by type and qualifiedName */
  entity(guid: string): AtlasFakeEntity | undefined;
  entityByQualifiedName(typeName: string, qualifiedName: string): AtlasFakeEntity | undefined;
  stop(): Promise<void>;
}

/** Super-types the fake knows, for `includeSubTypes` searches and the Process check. */
const SUPER_TYPES: Record<string, string[]> = {
  Referenceable: [], Asset: ['Referenceable'], DataSet: ['Asset'], Process: ['Asset'], Catalog: ['Asset'], SQL: ['Catalog'],
  Table: ['SQL', 'DataSet'], View: ['SQL', 'DataSet'], MaterialisedView: ['SQL', 'DataSet'], Column: ['SQL'], Schema: ['SQL'], Database: ['SQL'],
  SnowflakeDynamicTable: ['Table'], KafkaTopic: ['Catalog', 'DataSet'], Connection: ['Asset'],
  BIProcess: ['Process'], ColumnProcess: ['Process'],
  hive_db: ['Asset'], hive_table: ['DataSet'], hive_column: ['DataSet'], hive_process: ['Process'], spark_process: ['Process'],
  rdbms_db: ['DataSet'], rdbms_table: ['DataSet'], rdbms_column: ['DataSet'], kafka_topic: ['DataSet'],
  aws_s3_bucket: ['DataSet'], aws_s3_object: ['DataSet'], hdfs_path: ['DataSet'],
};

const isA = (typeName: string, superType: string): boolean =>
  typeName === superType || (SUPER_TYPES[typeName] ?? []).some((s) => isA(s, superType));

/** Upstream's header attributes: name, description, owner, createTime and the unique qualifiedName (§1.4). */
const HEADER_ATTRIBUTES = ['name', 'description', 'owner', 'qualifiedName', 'createTime'];
/** Atlan also flags these `includeInNotification` (§1.6, §4). */
const ATLAN_NOTIFIED = /^(assetMc|announcement|certificate)/;

const JETTY_401 = (path: string) => `<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>
<title>Error 401 Unauthorized</title>
</head>
<body><h2>HTTP ERROR 401</h2>
<p>Problem accessing ${path}. Reason:
<pre>    Unauthorized</pre></p><hr><i><small>Powered by Jetty://</small></i><hr/>
</body>
</html>
`;

class AtlasFailure extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]));
  return v ?? null;
}

/** Atlan's tag typedef names are opaque hashes: derived from the display name so that tests can predict them. */
const hashedTagName = (displayName: string) => createHash('sha256').update(displayName).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 22);

export async function startAtlasFake(options: AtlasFakeOptions): Promise<AtlasFake> {
  const { flavour } = options;
  const atlan = flavour === 'atlan';
  const prefix = atlan ? '/api/meta' : '/api/atlas/v2';
  const entities = new Map<string, AtlasFakeEntity>();
  const requests: AtlasFakeRequest[] = [];
  const listeners: AtlasFakeListener[] = options.onNotification ? [options.onNotification] : [];
  const relationshipListeners: ((envelope: AtlasFakeRelationshipEnvelope) => void)[] = [];
  const faults: (AtlasFakeFault & { left: number })[] = [];
  /** credential (Basic base64 or token) → user */
  const credentials = new Map<string, string>();
  /** tag typedef name → display name */
  const tagTypes = new Map<string, string>();

  const tagName = (displayName: string) => {
    const name = atlan ? hashedTagName(displayName) : displayName;
    if (!tagTypes.has(name)) tagTypes.set(name, displayName);
    return name;
  };
  for (const t of options.tagTypes ?? []) tagName(t);

  const addCredential = (user: string) => {
    if (atlan) {
      const apiToken = `atlan-token-${randomUUID()}`;
      credentials.set(apiToken, user);
      return { apiToken };
    }
    const password = `secret-${randomUUID()}`;
    credentials.set(Buffer.from(`${user}:${password}`).toString('base64'), user);
    return { username: user, password };
  };
  const serviceUser = atlan ? `service-account-apikey-${randomUUID()}` : 'tributary';
  const bridgeCredentials = addCredential(serviceUser);

  // ---- notifications ----

  const classificationJson = (c: AtlasFakeClassification) => ({
    typeName: c.typeName, attributes: c.attributes ?? {}, entityGuid: c.entityGuid, entityStatus: 'ACTIVE', propagate: c.propagate,
    removePropagationsOnEntityDelete: c.removePropagationsOnEntityDelete, validityPeriods: [],
    ...(atlan ? { restrictPropagationThroughLineage: false, restrictPropagationThroughHierarchy: false } : {}),
  });

  const header = (e: AtlasFakeEntity) => {
    const attributes = Object.fromEntries(Object.entries(e.attributes).filter(([k]) => HEADER_ATTRIBUTES.includes(k) || (atlan && ATLAN_NOTIFIED.test(k))));
    return {
      typeName: e.typeName, attributes, guid: e.guid, status: e.status, displayText: String(e.attributes.name ?? e.attributes.qualifiedName ?? ''),
      classificationNames: [...new Set(e.classifications.map((c) => c.typeName))], classifications: e.classifications.map(classificationJson),
      meaningNames: [], meanings: [], isIncomplete: false, labels: [],
      ...(atlan ? { createdBy: e.createdBy, updatedBy: e.updatedBy, createTime: e.createTime, updateTime: e.updateTime } : {}),
    };
  };

  /** A message in the envelope Atlas sends whole (§1.2). */
  const enveloped = <M>(message: M) => ({
    source: {}, version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE' as const, msgSplitIdx: 1 as const, msgSplitCount: 1 as const,
    msgSourceIP: '10.20.30.40', msgCreatedBy: '' as const, msgCreationTime: Date.now(), spooled: false as const, message,
  });

  const notify = (e: AtlasFakeEntity, operationType: string, at: number, headers: Record<string, string>, mutatedDetails?: unknown) => {
    const envelope: AtlasFakeEnvelope = enveloped({
      type: 'ENTITY_NOTIFICATION_V2' as const, entity: header(e), operationType, eventTime: at,
      ...(atlan ? { mutatedDetails: mutatedDetails ?? null, headers } : {}),
    });
    // each listener gets its own copy: a listener that keeps or edits it cannot change another's
    for (const l of listeners) l(JSON.parse(JSON.stringify(envelope)) as AtlasFakeEnvelope);
  };

  /** `end1` is the process, `end2` the dataset, as in Atlas's dataset_process_inputs and process_dataset_outputs (Atlan's catalog_… twins). */
  const notifyRelationship = (process: AtlasFakeEntity, end: AtlasFakeEntity, as: 'input' | 'output', operationType: 'RELATIONSHIP_CREATE' | 'RELATIONSHIP_DELETE',
    at: number) => {
    const typeName = as === 'input' ? (atlan ? 'catalog_process_inputs' : 'dataset_process_inputs') : (atlan ? 'process_catalog_outputs' : 'process_dataset_outputs');
    const objectId = (e: AtlasFakeEntity) => ({ guid: e.guid, typeName: e.typeName, uniqueAttributes: { qualifiedName: e.attributes.qualifiedName } });
    const envelope: AtlasFakeRelationshipEnvelope = enveloped({
      type: 'ENTITY_NOTIFICATION_V2' as const, operationType, eventTime: at,
      relationship: {
        typeName, guid: createHash('md5').update(`${typeName}:${process.guid}:${end.guid}`).digest('hex'),
        status: operationType === 'RELATIONSHIP_DELETE' ? 'DELETED' as const : 'ACTIVE' as const, propagateTags: 'TWO_TO_ONE',
        label: as === 'input' ? '__Process.inputs' : '__Process.outputs', end1: objectId(process), end2: objectId(end),
      },
    });
    for (const l of relationshipListeners) l(JSON.parse(JSON.stringify(envelope)) as AtlasFakeRelationshipEnvelope);
  };

  // ---- the store's operations (shared by the HTTP API and the seeding helpers) ----

  interface Ctx { user: string; headers: Record<string, string>; at: number }

  const byQualifiedName = (typeName: string, qualifiedName: string) =>
    [...entities.values()].find((e) => e.typeName === typeName && e.attributes.qualifiedName === qualifiedName && e.status === 'ACTIVE');

  const knownType = (typeName: string) => {
    if (!(typeName in SUPER_TYPES)) throw new AtlasFailure(400, 'ATLAS-400-00-014', `Type ENTITY with name ${typeName} does not exist`);
  };
  const knownTag = (name: string) => {
    if (!tagTypes.has(name)) throw new AtlasFailure(404, 'ATLAS-404-00-008', `Given classification ${name} was invalid`);
  };
  const entityOrFail = (typeName: string, qualifiedName: string) => {
    knownType(typeName);
    const e = byQualifiedName(typeName, qualifiedName);
    if (!e) throw new AtlasFailure(404, 'ATLAS-404-00-009', `Instance ${typeName} with unique attribute {qualifiedName=${qualifiedName}} does not exist`);
    return e;
  };
  const guidOrFail = (guid: string) => {
    const e = entities.get(guid);
    if (!e) throw new AtlasFailure(404, 'ATLAS-404-00-005', `Given instance guid ${guid} is invalid/not found`);
    return e;
  };

  const touch = (e: AtlasFakeEntity, ctx: Ctx) => {
    e.updatedBy = ctx.user;
    e.updateTime = ctx.at;
    e.version += 1;
  };

  const addTag = (e: AtlasFakeEntity, tag: { typeName: string; propagate?: boolean; attributes?: Record<string, unknown>; removePropagationsOnEntityDelete?: boolean }, ctx: Ctx) => {
    knownTag(tag.typeName);
    if (e.classifications.some((c) => c.typeName === tag.typeName && c.entityGuid === e.guid)) {
      throw new AtlasFailure(400, 'ATLAS-400-00-01A', `invalid parameters: entity: ${e.guid}, already associated with classification: ${tag.typeName}`);
    }
    const held: AtlasFakeClassification = {
      typeName: tag.typeName, attributes: tag.attributes, entityGuid: e.guid, propagate: tag.propagate ?? true,
      removePropagationsOnEntityDelete: tag.removePropagationsOnEntityDelete ?? true,
    };
    e.classifications.push(held);
    touch(e, ctx);
    return held;
  };
  const removeTag = (e: AtlasFakeEntity, name: string, ctx: Ctx) => {
    const i = e.classifications.findIndex((c) => c.typeName === name && c.entityGuid === e.guid);
    if (i < 0) throw new AtlasFailure(400, 'ATLAS-400-00-06D', `Classification ${name} is not associated with entity`);
    const [removed] = e.classifications.splice(i, 1);
    touch(e, ctx);
    return removed;
  };

  /** `guid` as the entity `from` lists it; the relationship is DELETED when either end is (a soft delete takes its relationships). */
  const relatedJson = (from: AtlasFakeEntity, guid: string, relationshipType: string) => {
    const e = entities.get(guid)!;
    return {
      guid, typeName: e.typeName, entityStatus: e.status, displayText: String(e.attributes.name ?? ''), relationshipType,
      relationshipGuid: createHash('md5').update(`${relationshipType}:${guid}`).digest('hex'),
      relationshipStatus: from.status === 'ACTIVE' && e.status === 'ACTIVE' ? 'ACTIVE' : 'DELETED',
      relationshipAttributes: { typeName: relationshipType }, uniqueAttributes: { qualifiedName: e.attributes.qualifiedName },
    };
  };

  const entityJson = (e: AtlasFakeEntity) => {
    const isProcess = isA(e.typeName, 'Process');
    const processes = [...entities.values()].filter((p) => isA(p.typeName, 'Process'));
    const inputsRel = atlan ? 'catalog_process_inputs' : 'dataset_process_inputs';
    const outputsRel = atlan ? 'process_catalog_outputs' : 'process_dataset_outputs';
    const relationshipAttributes = isProcess
      ? { inputs: e.inputs.map((g) => relatedJson(e, g, inputsRel)), outputs: e.outputs.map((g) => relatedJson(e, g, outputsRel)) }
      : {
        inputToProcesses: processes.filter((p) => p.inputs.includes(e.guid)).map((p) => relatedJson(e, p.guid, inputsRel)),
        outputFromProcesses: processes.filter((p) => p.outputs.includes(e.guid)).map((p) => relatedJson(e, p.guid, outputsRel)),
      };
    return {
      typeName: e.typeName, attributes: { ...e.attributes }, guid: e.guid, isIncomplete: false, status: e.status,
      createdBy: e.createdBy, updatedBy: e.updatedBy, createTime: e.createTime, updateTime: e.updateTime, version: e.version,
      relationshipAttributes, classifications: e.classifications.map(classificationJson), labels: [],
    };
  };

  interface IncomingEntity {
    typeName?: unknown;
    guid?: unknown;
    attributes?: Record<string, unknown>;
    relationshipAttributes?: Record<string, unknown>;
    classifications?: unknown;
    addOrUpdateClassifications?: unknown;
    removeClassifications?: unknown;
  }

  const tagList = (v: unknown): { typeName: string; propagate?: boolean; attributes?: Record<string, unknown>; removePropagationsOnEntityDelete?: boolean }[] =>
    (Array.isArray(v) ? v : []).filter((t) => t && typeof t.typeName === 'string');

  /** `POST /entity/bulk`: everything validated first, so a refused request changes nothing. */
  const bulk = (body: unknown, appendTags: boolean, ctx: Ctx) => {
    const list = (body as { entities?: unknown } | null)?.entities;
    if (!Array.isArray(list)) throw new AtlasFailure(400, '', 'Cannot deserialize value of type `AtlasEntitiesWithExtInfo`: no entities');
    const incoming = list as IncomingEntity[];
    const placeholders = new Map<string, string>();
    const plan: { input: IncomingEntity; existing: AtlasFakeEntity | undefined; guid: string }[] = [];
    for (const input of incoming) {
      if (typeof input?.typeName !== 'string') throw new AtlasFailure(404, 'ATLAS-404-00-007', 'Invalid instance creation/updation parameters passed : typeName missing');
      knownType(input.typeName);
      const attributes = input.attributes ?? {};
      const given = typeof input.guid === 'string' ? input.guid : null;
      let existing: AtlasFakeEntity | undefined;
      if (given && !given.startsWith('-')) existing = guidOrFail(given);
      else if (typeof attributes.qualifiedName === 'string') existing = byQualifiedName(input.typeName, attributes.qualifiedName);
      if (!existing && typeof attributes.qualifiedName !== 'string') {
        throw new AtlasFailure(404, 'ATLAS-404-00-007', `Invalid instance creation/updation parameters passed : ${input.typeName}.qualifiedName: mandatory attribute value missing in type ${input.typeName}`);
      }
      const guid = existing?.guid ?? randomUUID();
      if (given?.startsWith('-')) placeholders.set(given, guid);
      plan.push({ input, existing, guid });
    }
    const resolve = (ref: unknown): string => {
      const r = ref as { guid?: string; typeName?: string; uniqueAttributes?: { qualifiedName?: string } } | null;
      if (r?.guid && placeholders.has(r.guid)) return placeholders.get(r.guid)!;
      if (r?.guid && entities.has(r.guid)) return r.guid;
      const byName = r?.typeName && r.uniqueAttributes?.qualifiedName ? byQualifiedName(r.typeName, r.uniqueAttributes.qualifiedName) : undefined;
      if (byName) return byName.guid;
      const planned = plan.find((p) => p.input.typeName === r?.typeName && p.input.attributes?.qualifiedName === r?.uniqueAttributes?.qualifiedName);
      if (planned && r?.uniqueAttributes?.qualifiedName) return planned.guid;
      throw new AtlasFailure(404, 'ATLAS-404-00-00A', `Referenced entity AtlasObjectId{guid='${r?.guid ?? ''}', typeName='${r?.typeName ?? ''}', uniqueAttributes={qualifiedName=${r?.uniqueAttributes?.qualifiedName ?? ''}}} is not found`);
    };
    const ends = plan.map(({ input }) => {
      const rel = { ...(input.attributes ?? {}), ...(input.relationshipAttributes ?? {}) };
      return {
        inputs: Array.isArray(rel.inputs) ? rel.inputs.map(resolve) : null,
        outputs: Array.isArray(rel.outputs) ? rel.outputs.map(resolve) : null,
      };
    });
    for (const { input } of plan) {
      if (appendTags) for (const t of tagList(input.addOrUpdateClassifications)) knownTag(t.typeName);
      for (const t of tagList(input.classifications)) knownTag(t.typeName);
    }

    const mutated: { CREATE: unknown[]; UPDATE: unknown[] } = { CREATE: [], UPDATE: [] };
    const emits: (() => void)[] = [];
    const sideUpdated = new Set<string>();
    plan.forEach(({ input, existing, guid }, i) => {
      const { inputs: _i, outputs: _o, ...attributes } = input.attributes ?? {};
      const end = ends[i];
      if (!existing) {
        const e: AtlasFakeEntity = {
          guid, typeName: input.typeName as string, status: 'ACTIVE', classifications: [],
          attributes: Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null)),
          inputs: end.inputs ?? [], outputs: end.outputs ?? [], createdBy: ctx.user, updatedBy: ctx.user, createTime: ctx.at, updateTime: ctx.at, version: 1,
        };
        entities.set(guid, e);
        const tags = [...tagList(input.classifications), ...(appendTags ? tagList(input.addOrUpdateClassifications) : [])];
        for (const t of tags) addTag(e, t, ctx);
        e.version = 1;
        mutated.CREATE.push(header(e));
        emits.push(() => notify(e, 'ENTITY_CREATE', ctx.at, ctx.headers));
        for (const g of [...e.inputs, ...e.outputs]) sideUpdated.add(g);
        return;
      }
      const changed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(attributes)) {
        if (!deepEqual(existing.attributes[k], v)) changed[k] = v;
      }
      const endsChanged = (end.inputs !== null && !deepEqual(end.inputs, existing.inputs)) || (end.outputs !== null && !deepEqual(end.outputs, existing.outputs));
      const added: AtlasFakeClassification[] = [];
      const removed: AtlasFakeClassification[] = [];
      if (appendTags && atlan) {
        for (const t of tagList(input.addOrUpdateClassifications)) {
          const held = existing.classifications.find((c) => c.typeName === t.typeName && c.entityGuid === existing.guid);
          if (!held) added.push(addTag(existing, t, ctx));
          else if ((t.propagate ?? true) !== held.propagate) { held.propagate = t.propagate ?? true; added.push(held); }
        }
        for (const t of tagList(input.removeClassifications)) {
          if (existing.classifications.some((c) => c.typeName === t.typeName && c.entityGuid === existing.guid)) removed.push(removeTag(existing, t.typeName, ctx));
        }
      }
      if (Object.keys(changed).length === 0 && !endsChanged && added.length === 0 && removed.length === 0) return;
      if (Object.keys(changed).length > 0 || endsChanged) {
        for (const [k, v] of Object.entries(changed)) {
          if (v === null) delete existing.attributes[k];
          else existing.attributes[k] = v;
        }
        if (endsChanged) {
          for (const g of [...existing.inputs, ...existing.outputs, ...(end.inputs ?? []), ...(end.outputs ?? [])]) sideUpdated.add(g);
          existing.inputs = end.inputs ?? existing.inputs;
          existing.outputs = end.outputs ?? existing.outputs;
        }
        touch(existing, ctx);
        mutated.UPDATE.push(header(existing));
        const details = {
          typeName: existing.typeName, attributes: changed, guid: existing.guid, isIncomplete: false, provenanceType: 0,
          updatedBy: ctx.user, updateTime: ctx.at, version: existing.version, proxy: false,
        };
        emits.push(() => notify(existing, 'ENTITY_UPDATE', ctx.at, ctx.headers, details));
      } else {
        mutated.UPDATE.push(header(existing));
      }
      if (added.length > 0) emits.push(() => notify(existing, 'CLASSIFICATION_ADD', ctx.at, ctx.headers, added.map(classificationJson)));
      if (removed.length > 0) emits.push(() => notify(existing, 'CLASSIFICATION_DELETE', ctx.at, ctx.headers, removed.map(classificationJson)));
    });
    // a Process's ends change as a side effect: listed under UPDATE and notified (Atlan: one ENTITY_UPDATE per end, §1.6)
    for (const g of sideUpdated) {
      const e = entities.get(g);
      if (!e || plan.some((p) => p.guid === g)) continue;
      mutated.UPDATE.push(header(e));
      emits.push(() => notify(e, 'ENTITY_UPDATE', ctx.at, ctx.headers, { typeName: e.typeName, attributes: {}, guid: e.guid, isIncomplete: false, updatedBy: ctx.user, updateTime: ctx.at, version: e.version, proxy: false }));
    }
    for (const emit of emits) emit();
    const mutatedEntities = Object.fromEntries(Object.entries(mutated).filter(([, l]) => l.length > 0));
    return { ...(Object.keys(mutatedEntities).length > 0 ? { mutatedEntities } : {}), guidAssignments: Object.fromEntries(placeholders) };
  };

  const deleteEntity = (e: AtlasFakeEntity, ctx: Ctx) => {
    if (e.status === 'DELETED') return { guidAssignments: {} };
    e.status = 'DELETED';
    touch(e, ctx);
    notify(e, 'ENTITY_DELETE', ctx.at, ctx.headers);
    // its relationships are soft-deleted with it, in the same request (one eventTime)
    const processes = isA(e.typeName, 'Process') ? [e] : [...entities.values()].filter((p) => p.inputs.includes(e.guid) || p.outputs.includes(e.guid));
    for (const p of processes) {
      for (const g of p.inputs) if (p === e || g === e.guid) notifyRelationship(p, entities.get(g)!, 'input', 'RELATIONSHIP_DELETE', ctx.at);
      for (const g of p.outputs) if (p === e || g === e.guid) notifyRelationship(p, entities.get(g)!, 'output', 'RELATIONSHIP_DELETE', ctx.at);
    }
    return { mutatedEntities: { DELETE: [header(e)] }, guidAssignments: {} };
  };

  const search = (body: unknown) => {
    const b = (body ?? {}) as { typeName?: unknown; offset?: unknown; limit?: unknown; excludeDeletedEntities?: unknown; includeSubTypes?: unknown };
    if (typeof b.typeName !== 'string') throw new AtlasFailure(400, 'ATLAS-400-00-01A', 'invalid parameters: typeName is required');
    knownType(b.typeName);
    const offset = Math.max(0, Number(b.offset ?? 0) || 0);
    const limit = Math.min(10_000, Math.max(1, Number(b.limit ?? 100) || 100));
    const all = [...entities.values()]
      .filter((e) => (b.includeSubTypes === false ? e.typeName === b.typeName : isA(e.typeName, b.typeName as string)))
      .filter((e) => b.excludeDeletedEntities === false || e.status === 'ACTIVE')
      // creation order (the store's insertion order breaks ties: sort is stable)
      .sort((x, y) => x.createTime - y.createTime);
    return { queryType: 'BASIC', searchParameters: b, entities: all.slice(offset, offset + limit).map(header), approximateCount: all.length };
  };

  // ---- HTTP ----

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (options.onReceive) reportWhenAnswered(req, res, raw, options.onReceive);
      handle(req, res, raw);
    });
  });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const apiPath = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    let body: unknown;
    let bodyIsJson = true;
    if (raw.length > 0) {
      try { body = JSON.parse(raw); } catch { body = raw; bodyIsJson = false; }
    }
    const entry: AtlasFakeRequest = {
      at: Date.now(), method: req.method ?? 'GET', path: url.pathname, apiPath, query: Object.fromEntries(url.searchParams), body,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])), status: 0, user: null,
    };
    requests.push(entry);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      if (payload === undefined) {
        res.writeHead(status, headers);
        res.end();
      } else if (typeof payload === 'string') {
        res.writeHead(status, { 'content-type': 'text/html;charset=iso-8859-1', ...headers });
        res.end(payload);
      } else {
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
        res.end(JSON.stringify(payload));
      }
    };
    const unauthorized = () => (atlan
      ? send(401, { message: 'Unauthorized' })
      : send(401, JETTY_401(url.pathname), { 'x-frame-options': 'DENY', 'cache-control': 'must-revalidate,no-cache,no-store' }));

    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === entry.method)
      && (!f.path || (typeof f.path === 'string' ? apiPath.startsWith(f.path) : f.path.test(apiPath))));
    if (fault) {
      fault.left -= 1;
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
      if (fault.body !== undefined) return send(fault.status, fault.body, headers);
      if (fault.status === 401) return unauthorized();
      return send(fault.status, defaultFaultBody(fault.status, atlan), headers);
    }

    const authorization = req.headers.authorization ?? '';
    const scheme = atlan ? 'Bearer ' : 'Basic ';
    const user = authorization.startsWith(scheme) ? credentials.get(authorization.slice(scheme.length).trim()) : undefined;
    if (!user) return unauthorized();
    entry.user = user;
    if (!url.pathname.startsWith(`${prefix}/`)) return send(404, { errorCode: 'ATLAS-404-00-001', errorMessage: `Resource not found: ${url.pathname}` });
    if (!bodyIsJson) return send(400, { error: `Unrecognized token '${raw.slice(0, 20)}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')` });

    const headers = Object.fromEntries(Object.entries(entry.headers).filter(([k, v]) => k.startsWith('x-atlan-') && v !== undefined)) as Record<string, string>;
    const ctx: Ctx = { user, headers, at: Date.now() };
    const method = entry.method;
    const qn = url.searchParams.get('attr:qualifiedName');
    try {
      let m: RegExpExecArray | null;
      if (method === 'POST' && apiPath.replace(/\/$/, '') === '/entity/bulk') {
        return send(200, bulk(body, url.searchParams.get('appendTags') === 'true' && atlan, ctx));
      }
      if ((m = /^\/entity\/guid\/([^/]+)$/.exec(apiPath))) {
        const e = guidOrFail(decodeURIComponent(m[1]));
        if (method === 'GET') return send(200, { referredEntities: {}, entity: entityJson(e) });
        if (method === 'DELETE') return send(200, deleteEntity(e, ctx));
      }
      if ((m = /^\/entity\/uniqueAttribute\/type\/([^/]+)$/.exec(apiPath)) && method === 'GET') {
        if (qn === null) throw new AtlasFailure(400, 'ATLAS-400-00-013', `Type ${decodeURIComponent(m[1])} with unique attribute {} does not exist`);
        return send(200, { referredEntities: {}, entity: entityJson(entityOrFail(decodeURIComponent(m[1]), qn)) });
      }
      // tags are addressed by guid or by type and qualifiedName (the §3.4 order of checks)
      const tagTarget = (m: RegExpExecArray) => (m[1] === 'guid'
        ? guidOrFail(decodeURIComponent(m[2]))
        : entityOrFail(decodeURIComponent(m[2]), qn ?? ''));
      if ((m = /^\/entity\/(uniqueAttribute\/type|guid)\/([^/]+)\/classifications$/.exec(apiPath)) && method === 'POST') {
        const e = tagTarget(m);
        const tags = tagList(body);
        for (const t of tags) knownTag(t.typeName);
        const duplicate = tags.find((t) => e.classifications.some((c) => c.typeName === t.typeName && c.entityGuid === e.guid));
        if (duplicate) throw new AtlasFailure(400, 'ATLAS-400-00-01A', `invalid parameters: entity: ${e.guid}, already associated with classification: ${duplicate.typeName}`);
        const added = tags.map((t) => addTag(e, t, ctx));
        for (const t of added) notify(e, 'CLASSIFICATION_ADD', ctx.at, ctx.headers, [classificationJson(t)]);
        return send(204, undefined);
      }
      if ((m = /^\/entity\/(uniqueAttribute\/type|guid)\/([^/]+)\/classification\/([^/]+)$/.exec(apiPath)) && method === 'DELETE') {
        const e = tagTarget(m);
        const name = decodeURIComponent(m[3]);
        knownTag(name);
        const removed = removeTag(e, name, ctx);
        notify(e, 'CLASSIFICATION_DELETE', ctx.at, ctx.headers, [classificationJson(removed)]);
        return send(204, undefined);
      }
      if (apiPath === '/types/typedefs' && method === 'GET') {
        const type = url.searchParams.get('type');
        const classificationDefs = type && type.toLowerCase() !== 'classification' ? [] : [...tagTypes].map(([name, displayName]) => ({
          category: 'CLASSIFICATION', guid: createHash('md5').update(name).digest('hex'), name, description: displayName, typeVersion: '1.0',
          attributeDefs: [], superTypes: [], entityTypes: [], subTypes: [], ...(atlan ? { displayName } : {}),
        }));
        return send(200, { enumDefs: [], structDefs: [], classificationDefs, entityDefs: [], relationshipDefs: [], businessMetadataDefs: [] });
      }
      if (apiPath === '/search/basic' && method === 'POST') return send(200, search(body));
      return send(404, { errorCode: 'ATLAS-404-00-001', errorMessage: `Resource not found: ${method} ${url.pathname}` });
    } catch (error) {
      if (!(error instanceof AtlasFailure)) throw error;
      if (!error.errorCode) return send(error.status, { error: error.message });
      return send(error.status, { errorCode: error.errorCode, errorMessage: error.message });
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const seedCtx = (actor: AtlasFakeActor): Ctx => ({ user: actor.user, headers: actor.headers ?? { 'x-atlan-request-id': randomUUID(), 'x-atlan-via-ui': 'true' }, at: Date.now() });
  const seedEntity = (actor: AtlasFakeActor, guid: string) => {
    const e = entities.get(guid);
    if (!e) throw new Error(`the fake holds no entity ${guid}`);
    return { e, ctx: seedCtx(actor) };
  };

  const fake: AtlasFake = {
    flavour,
    baseUrl,
    credentials: bridgeCredentials,
    serviceUser,
    config: (extra = {}) => (atlan
      ? AtlanConfig.parse({ baseUrl, apiToken: (bridgeCredentials as { apiToken: string }).apiToken, serviceUser, writeBack: true, ...extra })
      : AtlasConfig.parse({ baseUrl, auth: bridgeCredentials, writeBack: true, ...extra })),
    addCredential,
    entities,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET' && r.apiPath !== '/search/basic'),
    fail: (f) => { faults.push({ ...f, left: f.times ?? 1 }); },
    clearFaults: () => { faults.length = 0; },
    listen: (l) => { listeners.push(l); },
    listenRelationships: (l) => { relationshipListeners.push(l); },
    tagName,
    seed: {
      entity: (actor, e) => {
        const answer = bulk({ entities: [{ typeName: e.typeName, guid: '-1', attributes: { qualifiedName: e.qualifiedName, name: e.name ?? e.qualifiedName.split('/').pop(), ...e.attributes } }] }, false, seedCtx(actor));
        return answer.guidAssignments['-1'];
      },
      process: (actor, p) => {
        const refs = (guids: string[]) => guids.map((guid) => ({ guid }));
        const answer = bulk({ entities: [{ typeName: p.typeName ?? 'Process', guid: '-1', attributes: { qualifiedName: p.qualifiedName, name: p.name ?? p.qualifiedName, inputs: refs(p.inputs), outputs: refs(p.outputs) } }] }, false, seedCtx(actor));
        return answer.guidAssignments['-1'];
      },
      addTag: (actor, guid, displayName, opts = {}) => {
        const { e, ctx } = seedEntity(actor, guid);
        const held = addTag(e, { typeName: tagName(displayName), propagate: opts.propagate }, ctx);
        notify(e, 'CLASSIFICATION_ADD', ctx.at, ctx.headers, [classificationJson(held)]);
      },
      addPropagatedTag: (actor, guid, displayName, fromGuid) => {
        const { e, ctx } = seedEntity(actor, guid);
        const held: AtlasFakeClassification = { typeName: tagName(displayName), entityGuid: fromGuid, propagate: true, removePropagationsOnEntityDelete: true };
        e.classifications.push(held);
        touch(e, ctx);
        notify(e, 'CLASSIFICATION_ADD', ctx.at, ctx.headers, [classificationJson(held)]);
      },
      removeTag: (actor, guid, displayName) => {
        const { e, ctx } = seedEntity(actor, guid);
        const removed = removeTag(e, tagName(displayName), ctx);
        notify(e, 'CLASSIFICATION_DELETE', ctx.at, ctx.headers, [classificationJson(removed)]);
      },
      update: (actor, guid, attributes) => {
        const { e, ctx } = seedEntity(actor, guid);
        bulk({ entities: [{ typeName: e.typeName, guid, attributes }] }, false, ctx);
      },
      remove: (actor, guid) => {
        const { e, ctx } = seedEntity(actor, guid);
        deleteEntity(e, ctx);
      },
      relate: (actor, r) => {
        const { e: process, ctx } = seedEntity(actor, r.process);
        const { e: end } = seedEntity(actor, r.end);
        const ends = r.as === 'input' ? process.inputs : process.outputs;
        if (ends.includes(end.guid)) throw new Error(`${end.guid} is already an ${r.as} of ${process.guid}`);
        ends.push(end.guid);
        notifyRelationship(process, end, r.as, 'RELATIONSHIP_CREATE', ctx.at);
      },
      unrelate: (actor, r) => {
        const { e: process, ctx } = seedEntity(actor, r.process);
        const { e: end } = seedEntity(actor, r.end);
        const ends = r.as === 'input' ? process.inputs : process.outputs;
        if (!ends.includes(end.guid)) throw new Error(`${end.guid} is not an ${r.as} of ${process.guid}`);
        ends.splice(ends.indexOf(end.guid), 1);
        notifyRelationship(process, end, r.as, 'RELATIONSHIP_DELETE', ctx.at);
      },
    },
    entity: (guid) => entities.get(guid),
    entityByQualifiedName: byQualifiedName,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return fake;
}

/** What an injected fault answers by default: Atlas's own forms where it has one (§3.4), a gateway's elsewhere. */
function defaultFaultBody(status: number, atlan: boolean): unknown {
  switch (status) {
    case 400: return { errorCode: 'ATLAS-400-00-01A', errorMessage: 'invalid parameters: injected fault' };
    case 404: return { errorCode: 'ATLAS-404-00-005', errorMessage: 'Given instance guid injected-fault is invalid/not found' };
    case 429: return atlan ? { message: 'API rate limit exceeded' } : { errorCode: 'ATLAS-400-00-502', errorMessage: 'ES query exceeded timeout: injected fault' };
    case 500: return { errorCode: 'ATLAS-500-00-001', errorMessage: 'Internal server error injected fault' };
    default: return `<html><head><title>${status} Service Temporarily Unavailable</title></head><body><center><h1>${status} Service Temporarily Unavailable</h1></center></body></html>`;
  }
}
