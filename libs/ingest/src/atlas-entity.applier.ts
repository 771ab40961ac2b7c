import { AssetsService, ClassificationsService, DirectTagChanges, edgeAdded, edgeRemoved, sameJson, WriteContext } from '@tributary/catalog';
import {
  assetTypeOf, AtlasApiError, AtlasApis, AtlasEntityFact, AtlasRelatedObject, ATLAS_ENTITY_FACT, BridgeConfig, BridgeConnection,
} from '@tributary/connectors';
import {
  AssetsRepository, AtlasEntitiesRepository, AtlasEntityRow, ChangeEventsRepository, ClassificationRow, ClassificationsRepository, Database, EdgeClaimsRepository, EdgeIds,
  LineageRepository, NewChangeEvent, TenantId, TenantTx, WrittenBack,
} from '@tributary/store';
import { FactApplier, FactToApply } from './fact-applier';

/** A process's end as read from the catalog: the entity, and its qualifiedName where the catalog said it. */
interface ProcessEnd {
  guid: string;
  typeName: string;
  displayText: string | null;
  catalogQualifiedName: string | null;
}

/** What a batch needs from the catalog, read before its transaction opens (no transaction waits on HTTP). */
interface Prepared {
  /** each live process's ends by its guid; null when the catalog no longer has the process */
  ends: Map<string, { inputs: ProcessEnd[]; outputs: ProcessEnd[] } | null>;
  /** Tributary's classification name of each catalog tag name in the batch (Atlan: display names of hashed ids) */
  tagNames: Map<string, string>;
  /** the connector's catalog, where the batch needed it */
  connection: BridgeConnection | null;
}

/** A dataset notification not stale, with what the bridge knew of its entity before it. */
interface DatasetFact {
  fact: AtlasEntityFact;
  row: AtlasEntityRow | undefined;
}

/** How often a catalog read that may succeed later (429, 5xx, unreachable) is tried before the fact is parked. */
const READ_ATTEMPTS = 3;
/** The longest wait between those tries, whatever Retry-After asks (the ingest stream waits meanwhile). */
const MAX_READ_WAIT_MS = 10_000;
/** Known to the bridge, never applied: an entity first seen as a process's end must not make its own notifications stale. */
const NEVER = new Date(0);

/**
 * Applies catalog entity notifications (ATLAS_ENTITY_FACT, from Atlas's topic, Atlan's webhooks and
 * backfills): per connector, in log order, in the tenant's transaction.
 * - An entity's notification older (by eventTime) than the last one applied to it changes nothing;
 *   equal times are not stale (one Atlas request stamps all its messages with one time).
 * - An entity becomes or updates its asset (type, name, kept attributes) through the catalog's
 *   services, with their ordinary change events; attributes equal to what the write-back wrote
 *   there are the bridge's own write coming back and are not taken.
 * - Tags attached to it directly follow the catalog: adds and removes of direct classifications,
 *   which the built-in tag-propagation rule propagates downstream. A tag the write-back wrote there
 *   (its outbox) or that Tributary holds on the asset as propagated is the bridge's own output
 *   coming back (contract §5 rules 1–2), never imported.
 * - A process's edges are exactly its live inputs × outputs, read from the catalog (the header lacks
 *   them), with the process's qualified name as `process`: edges it no longer makes are removed, and
 *   only its own.
 * - A delete removes a process's edges, or deletes the asset this connector brought in.
 */
export class AtlasEntityApplier implements FactApplier {
  readonly kind = ATLAS_ENTITY_FACT;

  constructor(
    private readonly database: Database,
    private readonly assetsService: AssetsService,
    private readonly classificationsService: ClassificationsService,
    private readonly apis: AtlasApis,
    private readonly entities = new AtlasEntitiesRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly lineage = new LineageRepository(),
    private readonly processEdges = new EdgeClaimsRepository('atlas_process_edges'),
    private readonly classifications = new ClassificationsRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  ) {}

  async apply(ctx: WriteContext, facts: FactToApply[]): Promise<{ applied: number; duplicates: number }> {
    const byConnector = new Map<string, AtlasEntityFact[]>();
    for (const f of facts) {
      const parsed = AtlasEntityFact.safeParse(f.fact.value);
      if (!parsed.success) throw new Error(`not an Atlas entity fact: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      byConnector.set(f.connectorId, [...(byConnector.get(f.connectorId) ?? []), parsed.data]);
    }
    const total = { applied: 0, duplicates: 0 };
    for (const [connectorId, ofConnector] of byConnector) {
      const prepared = await this.prepare(ctx.tenantId, connectorId, ofConnector);
      const r = await this.database.inTenant(ctx.tenantId, (tx) => this.applyIn(ctx, tx, connectorId, ofConnector, prepared));
      total.applied += r.applied;
      total.duplicates += r.duplicates;
    }
    return total;
  }

  /** Reads from the catalog what the batch needs: live processes' ends, and (Atlan) its tags' display names. */
  private async prepare(tenantId: TenantId, connectorId: string, facts: AtlasEntityFact[]): Promise<Prepared> {
    const prepared: Prepared = { ends: new Map(), tagNames: new Map(), connection: null };
    const liveProcesses = [...new Set(facts.filter((f) => f.isProcess && !isDelete(f)).map((f) => f.guid))];
    const tagged = facts.filter((f) => f.directTags !== null);
    if (liveProcesses.length === 0 && tagged.length === 0) return prepared;
    // the tags named: those the notifications show, and those the entities had (a removed one is named only there)
    const catalogTags = new Set(tagged.flatMap((f) => f.directTags!));
    const known = await this.database.inTenant(tenantId, (tx) => this.entities.byGuids(tx, connectorId, [...new Set(tagged.map((f) => f.guid))], false));
    for (const row of known.values()) row.directTags.forEach((t) => catalogTags.add(t));
    const connection = await this.apis.of(connectorId);
    if (!connection) throw new Error(`connector ${connectorId} is no longer an Atlas or Atlan connector: its catalog cannot be read`);
    prepared.connection = connection;
    for (const guid of liveProcesses) prepared.ends.set(guid, await this.processEnds(connection, guid));
    if (catalogTags.size > 0) prepared.tagNames = await this.read('read the tag types', () => this.apis.tagNames(connectorId, [...catalogTags]));
    return prepared;
  }

  /**
   * A process's live ends (contract §2.2): its relationship attributes `inputs` and `outputs`, keeping
   * only ACTIVE relationships to ACTIVE entities (soft-deleted ones are listed too).
   */
  private async processEnds(connection: BridgeConnection, guid: string): Promise<{ inputs: ProcessEnd[]; outputs: ProcessEnd[] } | null> {
    const entity = await this.read(`read process ${guid}`, () => connection.api.entityByGuid(guid));
    if (!entity) return null;
    const endsOf = (value: unknown): ProcessEnd[] => (Array.isArray(value) ? value : [])
      .filter((o): o is AtlasRelatedObject => typeof o === 'object' && o !== null && typeof o.guid === 'string' && typeof o.typeName === 'string')
      .filter((o) => (o.relationshipStatus ?? 'ACTIVE') === 'ACTIVE' && (o.entityStatus ?? 'ACTIVE') === 'ACTIVE')
      .map((o) => ({ guid: o.guid, typeName: o.typeName, displayText: o.displayText ?? null,
        catalogQualifiedName: typeof o.uniqueAttributes?.qualifiedName === 'string' ? o.uniqueAttributes.qualifiedName : null }));
    const ends = { inputs: endsOf(entity.relationshipAttributes?.inputs), outputs: endsOf(entity.relationshipAttributes?.outputs) };
    // an end named only by guid is named by its entity (one more read, only for ends the catalog did not name)
    for (const end of [...ends.inputs, ...ends.outputs]) {
      if (end.catalogQualifiedName !== null) continue;
      const read = await this.read(`read entity ${end.guid}`, () => connection.api.entityByGuid(end.guid));
      const name = read?.attributes.qualifiedName;
      end.catalogQualifiedName = typeof name === 'string' && name !== '' ? name : null;
    }
    return ends;
  }

  /** A catalog read, tried again while the catalog says a later try may succeed; then an error naming the call, which parks the fact. */
  private async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof AtlasApiError)) throw err;
        if (!err.retryable || attempt >= READ_ATTEMPTS) throw new Error(`could not ${what} from the catalog: ${err.message}`, { cause: err });
        await this.sleep(Math.min(err.retryAfterMs ?? 1000 * 2 ** (attempt - 1), MAX_READ_WAIT_MS));
      }
    }
  }

  /**
   * The facts in log order. Consecutive dataset notifications of distinct entities and assets are
   * applied together (one read and one write of each kind for all of them, about 7 ms a notification
   * one by one); a process, a delete, or an entity or asset already in the group applies what came
   * before it first, so each notification sees what the ones before it did.
   */
  private async applyIn(ctx: WriteContext, tx: TenantTx, connectorId: string, facts: AtlasEntityFact[], prepared: Prepared):
    Promise<{ applied: number; duplicates: number }> {
    const rows = await this.entities.byGuids(tx, connectorId, [...new Set(facts.map((f) => f.guid))], true);
    let duplicates = 0;
    let group: DatasetFact[] = [];
    const inGroup = new Set<string>();
    const flush = async () => {
      for (const next of await this.datasets(ctx, tx, connectorId, group, prepared)) rows.set(next.guid, next);
      group = [];
      inGroup.clear();
    };
    for (const fact of facts) {
      if (inGroup.has(`guid:${fact.guid}`) || inGroup.has(`name:${fact.qualifiedName}`)) await flush();
      const row = rows.get(fact.guid);
      if (row && fact.eventTime < row.eventTime.getTime()) {
        duplicates += 1;
        continue;
      }
      const renamed = isRenamed(fact, row);
      if (!isDelete(fact) && !fact.isProcess && !renamed) {
        group.push({ fact, row });
        inGroup.add(`guid:${fact.guid}`).add(`name:${fact.qualifiedName}`);
        continue;
      }
      await flush();
      if (renamed) {
        rows.set(fact.guid, await this.renamed(ctx, tx, connectorId, fact, row, prepared));
        continue;
      }
      const next = isDelete(fact) ? await this.deleted(ctx, tx, fact, row) : await this.process(ctx, tx, connectorId, fact, row, prepared);
      await this.entities.save(tx, connectorId, next);
      rows.set(fact.guid, next);
    }
    await flush();
    return { applied: facts.length - duplicates, duplicates };
  }

  /** Dataset notifications of distinct entities and assets: their assets upserted in one call, then each one's tags. */
  private async datasets(ctx: WriteContext, tx: TenantTx, connectorId: string, group: DatasetFact[], prepared: Prepared): Promise<AtlasEntityRow[]> {
    if (group.length === 0) return [];
    const names = group.map((g) => g.fact.qualifiedName);
    const before = await this.assets.findLiveByNames(tx, names);
    const written = await this.entities.writtenTo(tx, connectorId, [...before.values()].map((a) => a.id));
    // by name: an asset that was not live before, or never written back to, has nothing of the bridge's
    const nothing: WrittenBack = { attributes: {}, tags: new Set() };
    const writtenOf = new Map(names.map((n) => {
      const id = before.get(n)?.id;
      return [n, (id === undefined ? undefined : written.get(id)) ?? nothing];
    }));
    await this.assetsService.upsertIn(ctx, tx, group.map(({ fact }) => {
      const back = writtenOf.get(fact.qualifiedName)!.attributes;
      // an attribute showing what the write-back wrote is the bridge's own write coming back (§5 rule 2)
      const attributes = Object.fromEntries(Object.entries(fact.attributes).filter(([k, v]) => !(k in back && sameJson(back[k], v))));
      return { qualifiedName: fact.qualifiedName, typeName: fact.assetType!, ...(fact.name === null ? {} : { name: fact.name }), attributes };
    }));
    const ids = await this.assets.idsByNames(tx, names);
    const tagged = group.filter((g) => g.fact.directTags !== null);
    const held = new Map<number, ClassificationRow[]>();
    for (const c of await this.classifications.forAssets(tx, tagged.map((g) => ids.get(g.fact.qualifiedName)!))) {
      held.set(c.assetId, [...(held.get(c.assetId) ?? []), c]);
    }
    await this.classificationsService.changeDirectIn(ctx, tx, tagged.map(({ fact, row }) => followTags(fact.qualifiedName,
      held.get(ids.get(fact.qualifiedName)!) ?? [], row?.directTags ?? [], fact.directTags!, writtenOf.get(fact.qualifiedName)!.tags, prepared.tagNames)));
    const next = group.map(({ fact, row }) => ({ ...rowOf(fact), assetId: ids.get(fact.qualifiedName)!, directTags: fact.directTags ?? row?.directTags ?? [] }));
    await this.entities.saveMany(tx, connectorId, next);
    return next;
  }

  /**
   * The catalog renamed the entity (the same guid under another qualifiedName: Atlas's Hive hook on
   * ALTER TABLE … RENAME): the asset of the old name is deleted, as the entity's delete would, and the
   * new name's is made as a new entity's, its catalog tags taken anew. The lineage people and catalog
   * processes drew moves to it (with the processes' claims); an edge an OpenLineage job drew goes with
   * the old asset, that job's to draw again under the name it uses.
   */
  private async renamed(ctx: WriteContext, tx: TenantTx, connectorId: string, fact: AtlasEntityFact, row: AtlasEntityRow,
    prepared: Prepared): Promise<AtlasEntityRow> {
    const old = (await this.assets.findLiveByIds(tx, [row.assetId!])).get(row.assetId!);
    const [next] = await this.datasets(ctx, tx, connectorId, [{ fact, row: { ...row, directTags: [] } }], prepared);
    if (!old) return next;
    const moving = await this.lineage.edgesToMove(tx, old.id);
    // the claims first: a deleted asset's claims go with it
    await this.processEdges.moveAsset(tx, old.id, next.assetId!);
    await this.assetsService.deleteIn(ctx, tx, old.qualifiedName);
    const to = (id: number) => (id === old.id ? next.assetId! : id);
    const moved = moving.map((e) => ({ srcId: to(e.srcId), dstId: to(e.dstId), process: e.process })).filter((e) => e.srcId !== e.dstId);
    const inserted = await this.lineage.insertEdges(tx, moved);
    const processOf = new Map(moved.map((e) => [edgeKey(e), e.process]));
    await this.changes.append(tx, await this.edgeEvents(ctx, tx, (e) => processOf.get(edgeKey(e)) ?? null, inserted, []));
    return next;
  }

  /** A live process's edges become its inputs × outputs (each end's asset created if absent). */
  private async process(ctx: WriteContext, tx: TenantTx, connectorId: string, fact: AtlasEntityFact, row: AtlasEntityRow | undefined,
    prepared: Prepared): Promise<AtlasEntityRow> {
    const next = { ...rowOf(fact), assetId: null, directTags: fact.directTags ?? row?.directTags ?? [] };
    const ends = prepared.ends.get(fact.guid);
    // the catalog no longer has it: its delete notification follows, and removes its edges
    if (!ends) return next;
    const prefix = fact.qualifiedName.slice(0, fact.qualifiedName.length - fact.catalogQualifiedName.length);
    const ids = await this.endAssets(ctx, tx, connectorId, prepared.connection!.config, [...ends.inputs, ...ends.outputs], prefix);
    const wanted = new Map<string, EdgeIds>();
    for (const input of ends.inputs) {
      for (const output of ends.outputs) {
        const srcId = ids.get(input.guid);
        const dstId = ids.get(output.guid);
        if (srcId !== undefined && dstId !== undefined && srcId !== dstId) wanted.set(edgeKey({ srcId, dstId }), { srcId, dstId });
      }
    }
    await this.changes.append(tx, await this.setEdges(ctx, tx, fact.qualifiedName, wanted));
    return next;
  }

  /**
   * The assets of a process's ends, by guid: the one this connector brought in for the entity, else
   * the live asset of its qualified name, else a new one of its mapped type. An end of a type that
   * is no asset (a column, another process) or without a qualifiedName has none.
   */
  private async endAssets(ctx: WriteContext, tx: TenantTx, connectorId: string, config: BridgeConfig, ends: ProcessEnd[], prefix: string):
    Promise<Map<string, number>> {
    const rows = await this.entities.byGuids(tx, connectorId, [...new Set(ends.map((e) => e.guid))], true);
    const named = new Map<string, { end: ProcessEnd; qualifiedName: string; typeName: string }>();
    for (const end of ends) {
      const known = rows.get(end.guid);
      if (known?.assetId != null && !known.deleted) {
        const live = await this.assets.findLiveByIds(tx, [known.assetId]);
        if (live.has(known.assetId)) {
          named.set(end.guid, { end, qualifiedName: live.get(known.assetId)!.qualifiedName, typeName: live.get(known.assetId)!.typeName });
          continue;
        }
      }
      const typeName = config.processTypes.includes(end.typeName) ? null : assetTypeOf(end.typeName, config);
      if (typeName === null || end.catalogQualifiedName === null) continue;
      named.set(end.guid, { end, qualifiedName: `${prefix}${end.catalogQualifiedName}`, typeName });
    }
    const names = [...new Set([...named.values()].map((n) => n.qualifiedName))];
    const live = await this.assets.findLiveByNames(tx, names);
    const absent = new Map([...named.values()].filter((n) => !live.has(n.qualifiedName)).map((n) => [n.qualifiedName, n]));
    await this.assetsService.upsertIn(ctx, tx, [...absent.values()].map((n) => ({ qualifiedName: n.qualifiedName, typeName: n.typeName,
      ...(n.end.displayText ? { name: n.end.displayText } : {}) })));
    const ids = await this.assets.idsByNames(tx, names);
    const byGuid = new Map<string, number>();
    const changed: AtlasEntityRow[] = [];
    for (const [guid, n] of named) {
      const assetId = ids.get(n.qualifiedName)!;
      byGuid.set(guid, assetId);
      const known = rows.get(guid);
      if (!known) {
        changed.push({ guid, typeName: n.end.typeName, qualifiedName: n.end.catalogQualifiedName ?? n.qualifiedName,
          assetId, isProcess: false, directTags: [], eventTime: NEVER, deleted: false });
      } else if (known.assetId !== assetId || known.deleted) {
        changed.push({ ...known, assetId, deleted: false });
      }
    }
    await this.entities.saveMany(tx, connectorId, changed);
    return byGuid;
  }

  /**
   * The process's edge set made `wanted`: as change events, the edges added and those removed. An
   * edge it no longer makes is removed only if it drew it and nothing else still makes it (another
   * process, an OpenLineage job: the edge is handed to that one); an edge it makes that another drew
   * is claimed, not drawn again; one it makes that is missing (a person removed it, its asset was
   * deleted and came back) is drawn again.
   */
  private async setEdges(ctx: WriteContext, tx: TenantTx, process: string, wanted: Map<string, EdgeIds>): Promise<NewChangeEvent[]> {
    const drawn = new Map((await this.lineage.edgesOfProcess(tx, process)).map((e) => [edgeKey(e), e]));
    const claimed = new Map((await this.processEdges.of(tx, [process])).map((e) => [edgeKey(e), e]));
    // what it drew counts too: edges drawn before claims were kept have none
    const had = new Map([...drawn, ...claimed]);
    const gone = [...had].filter(([k]) => !wanted.has(k)).map(([, e]) => e);
    // inserted where missing: an edge that exists (another process's, a person's) is left as it is
    const inserted = await this.lineage.insertEdges(tx, [...wanted].filter(([k]) => !drawn.has(k)).map(([, e]) => ({ ...e, process })));
    await this.processEdges.add(tx, [...wanted].filter(([k]) => !claimed.has(k)).map(([, e]) => ({ ...e, process })));
    await this.processEdges.remove(tx, gone.map((e) => ({ ...e, process })));
    const removed = await this.lineage.release(tx, gone.filter((e) => drawn.has(edgeKey(e))));
    return this.edgeEvents(ctx, tx, () => process, inserted, removed);
  }

  private async edgeEvents(ctx: WriteContext, tx: TenantTx, processOf: (e: EdgeIds) => string | null, inserted: EdgeIds[], removed: EdgeIds[]):
    Promise<NewChangeEvent[]> {
    if (inserted.length + removed.length === 0) return [];
    const names = await this.assets.namesByIds(tx, [...new Set([...inserted, ...removed].flatMap((e) => [e.srcId, e.dstId]))]);
    const named = (e: EdgeIds) => ({ from: names.get(e.srcId)!.qualifiedName, to: names.get(e.dstId)!.qualifiedName, process: processOf(e) ?? undefined });
    return [...inserted.map((e) => edgeAdded(ctx, named(e))), ...removed.map((e) => edgeRemoved(ctx, named(e)))];
  }

  /**
   * The catalog deleted the entity: a process's edges go; an asset this connector brought in is
   * deleted through the catalog (its edges with it). An asset it never brought in (another source's
   * of the same name) is not this connector's to delete.
   */
  private async deleted(ctx: WriteContext, tx: TenantTx, fact: AtlasEntityFact, row: AtlasEntityRow | undefined): Promise<AtlasEntityRow> {
    const next = { ...rowOf(fact), assetId: row?.assetId ?? null, directTags: row?.directTags ?? [], deleted: true };
    if (fact.isProcess) {
      await this.changes.append(tx, await this.setEdges(ctx, tx, fact.qualifiedName, new Map()));
      return next;
    }
    if (row?.assetId == null || row.deleted) return next;
    const live = (await this.assets.findLiveByIds(tx, [row.assetId])).get(row.assetId);
    if (live) await this.assetsService.deleteIn(ctx, tx, live.qualifiedName);
    return next;
  }
}

/**
 * The asset's direct tags from this catalog follow the entity's changes: a tag new on the entity
 * (not in its last notification) is added, one gone from it removed. Never imported: the
 * write-back's own tags (its outbox) and tags Tributary holds on the asset as propagated (what the
 * bridge wrote back coming round again). A tag is judged when it arrives, not again on every later
 * notification: one left out because Tributary propagated it stays out when that propagation ends.
 * Tags people gave the asset in Tributary are not the catalog's, and are left alone.
 */
function followTags(qualifiedName: string, held: ClassificationRow[], before: string[], after: string[], written: Set<string>,
  tagNames: Map<string, string>): DirectTagChanges {
  const direct = new Set(held.filter((c) => c.source === 'direct').map((c) => c.name));
  const propagated = new Set(held.filter((c) => c.source === 'propagated').map((c) => c.name));
  const nameOf = (tag: string) => tagNames.get(tag) ?? tag;
  const imported = (tag: string) => !written.has(tag) && !propagated.has(nameOf(tag));
  const had = new Set(before);
  const now = new Set(after);
  return {
    qualifiedName,
    add: after.filter((tag) => !had.has(tag) && imported(tag) && !direct.has(nameOf(tag))).map((tag) => ({ name: nameOf(tag), propagate: true })),
    remove: before.filter((tag) => !now.has(tag) && imported(tag) && direct.has(nameOf(tag))).map(nameOf),
  };
}

const isDelete = (f: AtlasEntityFact) => f.status !== 'ACTIVE' || f.operationType === 'ENTITY_DELETE';

/** A live dataset entity whose asset this connector holds, under another qualifiedName in the catalog than before. */
const isRenamed = (f: AtlasEntityFact, row: AtlasEntityRow | undefined): row is AtlasEntityRow =>
  row !== undefined && !isDelete(f) && !f.isProcess && row.assetId !== null && !row.deleted && row.qualifiedName !== f.catalogQualifiedName;

const rowOf = (f: AtlasEntityFact): Omit<AtlasEntityRow, 'assetId' | 'directTags'> => ({
  guid: f.guid, typeName: f.typeName, qualifiedName: f.catalogQualifiedName, isProcess: f.isProcess, eventTime: new Date(f.eventTime), deleted: false,
});

const edgeKey = (e: EdgeIds) => `${e.srcId}:${e.dstId}`;
