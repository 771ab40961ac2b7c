import { conflict, invalid, notFound } from '@tributary/errors';
import {
  AssetRow, AssetsRepository, AuditRepository, ChangeEventsRepository, ClassificationsRepository, Database, DirectoryRepository,
  HealthStatus, IncidentsRepository, LineageRepository, NewChangeEvent, TenantTx,
} from '@tributary/store';
import { AssetView, ownerOf, toAssetView } from './asset-view';
import { resolveOwners } from './directory.service';
import { changeEvent } from './change-event.factory';
import { nameCursor } from './page-cursor';
import { ReadContext, WriteContext } from './write-context';
import { sameJson } from './same-json';

export interface AssetInput {
  qualifiedName: string;
  typeName: string;
  name?: string;
  /** Merged into the stored attributes; a key set to null is removed. */
  attributes?: Record<string, unknown>;
  /** The version the caller last read; 0 means "must not exist yet". */
  ifVersion?: number;
}

export interface UpsertResult {
  qualifiedName: string;
  version: number;
  created: boolean;
}

export interface AssetListQuery {
  typeName?: string;
  tag?: string;
  health?: HealthStatus;
  q?: string;
  limit: number;
  cursor?: string;
}

type Snapshot = { typeName: string; name: string | null; attributes: Record<string, unknown> };

export class AssetsService {
  constructor(
    private readonly database: Database,
    private readonly assets = new AssetsRepository(),
    private readonly lineage = new LineageRepository(),
    private readonly classifications = new ClassificationsRepository(),
    private readonly incidents = new IncidentsRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly audit = new AuditRepository(),
    private readonly directory = new DirectoryRepository(),
  ) {}

  /**
   * Creates or updates a batch of assets, all or nothing. An asset whose content does not change is
   * left alone (same version, no event), so a repeated upsert is harmless. A stale `ifVersion`
   * fails the whole batch with 409 and writes nothing.
   *
   * A deleted asset created again starts a new life, announced as `asset.created`: its name,
   * attributes and direct tags are only what this request gives (the old ones ended with its
   * `asset.deleted`), and what rules derived for it was retracted with its edges, so it flows
   * afresh once lineage links it again. It keeps its row, so its version continues (a reader's
   * `ifVersion` from the old life fails), and its incidents: they name the table, not the catalog
   * entry, as incidents reported before an asset exists attach when it is created.
   */
  async upsert(ctx: WriteContext, inputs: AssetInput[]): Promise<UpsertResult[]> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.upsertIn(ctx, tx, inputs));
  }

  /** `upsert` inside the caller's transaction: a source's fact applier writes its assets with its edges, all or nothing. */
  async upsertIn(ctx: WriteContext, tx: TenantTx, inputs: AssetInput[]): Promise<UpsertResult[]> {
    const seen = new Set<string>();
    const dupes = inputs.filter((a) => (seen.has(a.qualifiedName) ? true : (seen.add(a.qualifiedName), false)));
    if (dupes.length > 0) {
      throw invalid('duplicate_qualified_name', 'each qualified name may appear once per request',
        { qualifiedNames: [...new Set(dupes.map((d) => d.qualifiedName))].slice(0, 20) });
    }
    const existing = await this.assets.lockByNames(tx, inputs.map((a) => a.qualifiedName));
    const stale = inputs.filter((a) => a.ifVersion !== undefined && a.ifVersion !== liveVersion(existing.get(a.qualifiedName)));
    if (stale.length > 0) {
      throw conflict('version_conflict', 'an asset changed since the version given in ifVersion; read it again and retry',
        { conflicts: stale.slice(0, 20).map((a) => ({ qualifiedName: a.qualifiedName, ifVersion: a.ifVersion,
          currentVersion: liveVersion(existing.get(a.qualifiedName)) })) });
    }
    const inserts: { qualifiedName: string; typeName: string; name: string | null; attributes: Record<string, unknown>; version: number }[] = [];
    const updates: (typeof inserts[number] & { id: number })[] = [];
    const events: NewChangeEvent[] = [];
    const results: UpsertResult[] = [];
    const revived = new Map<string, number>();
    for (const input of inputs) {
      const current = existing.get(input.qualifiedName);
      const live = current && current.deletedAt === null ? current : undefined;
      const next: Snapshot = {
        typeName: input.typeName,
        name: input.name ?? live?.name ?? null,
        attributes: mergeAttributes(live?.attributes ?? {}, input.attributes ?? {}),
      };
      if (live) {
        const diff = changedFields(snapshot(live), next);
        if (!diff) {
          results.push({ qualifiedName: input.qualifiedName, version: live.version, created: false });
          continue;
        }
        const version = live.version + 1;
        updates.push({ id: live.id, qualifiedName: input.qualifiedName, ...next, version });
        events.push(changeEvent(ctx, 'asset.updated', input.qualifiedName, { ...diff, version }));
        results.push({ qualifiedName: input.qualifiedName, version, created: false });
      } else {
        const version = current ? current.version + 1 : 1;
        if (current) {
          updates.push({ id: current.id, qualifiedName: input.qualifiedName, ...next, version });
          revived.set(input.qualifiedName, current.id);
        } else {
          inserts.push({ qualifiedName: input.qualifiedName, ...next, version });
        }
        events.push(changeEvent(ctx, 'asset.created', input.qualifiedName, { before: null, after: next, version }));
        results.push({ qualifiedName: input.qualifiedName, version, created: true });
      }
    }
    const insertedIds = await this.assets.insertMany(tx, inserts);
    await this.assets.updateMany(tx, updates);
    await this.classifications.deleteAllDirect(tx, [...revived.values()]);
    events.push(...await this.attachWaitingIncidents(ctx, tx, insertedIds, revived));
    if (events.length > 0) {
      const created = results.filter((r) => r.created).length;
      await this.audit.record(tx, { actor: ctx.actor, action: 'assets.upsert', subject: null,
        details: { created, updated: events.length - created, origin: ctx.origin,
          qualifiedNames: events.slice(0, 100).map((e) => e.subject) } });
    }
    await this.changes.append(tx, events);
    return results;
  }

  /** The asset; a deleted one only with `includeDeleted` (its last state, `status: "deleted"`). */
  async get(ctx: ReadContext, qualifiedName: string, { includeDeleted = false } = {}): Promise<AssetView> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const asset = includeDeleted ? await this.assets.findAny(tx, qualifiedName) : await this.assets.findLive(tx, qualifiedName);
      if (!asset) throw assetNotFound(qualifiedName);
      return (await this.views(tx, [asset]))[0];
    });
  }

  async list(ctx: ReadContext, query: AssetListQuery): Promise<{ items: AssetView[]; nextCursor: string | null }> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const rows = await this.assets.list(tx, {
        typeName: query.typeName, tag: query.tag, health: query.health, q: query.q,
        after: query.cursor === undefined ? undefined : nameCursor.decode(query.cursor), limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const nextCursor = rows.length > query.limit ? nameCursor.encode(page[page.length - 1].qualifiedName) : null;
      return { items: await this.views(tx, page), nextCursor };
    });
  }

  /** Soft delete: the asset disappears from reads, its lineage edges are removed (with their events). */
  async delete(ctx: WriteContext, qualifiedName: string): Promise<{ version: number }> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.deleteIn(ctx, tx, qualifiedName));
  }

  /** `delete` inside the caller's transaction: a source's fact applier deletes what its catalog deleted, with its other writes. */
  async deleteIn(ctx: WriteContext, tx: TenantTx, qualifiedName: string): Promise<{ version: number }> {
    await this.assets.lockByNames(tx, [qualifiedName]);
    const asset = await this.assets.findLive(tx, qualifiedName);
    if (!asset) throw assetNotFound(qualifiedName);
    const edges = await this.lineage.deleteEdgesOf(tx, asset.id);
    const names = await this.assets.namesByIds(tx, [...new Set(edges.flatMap((e) => [e.srcId, e.dstId]))]);
    const version = await this.assets.softDelete(tx, asset.id);
    const events = edges.map((e) => {
      const from = names.get(e.srcId)!.qualifiedName;
      return changeEvent(ctx, 'lineage.edge.removed', from, { before: { from, to: names.get(e.dstId)!.qualifiedName }, after: null });
    });
    events.push(changeEvent(ctx, 'asset.deleted', qualifiedName, { before: snapshot(asset), after: null, version }));
    await this.audit.record(tx, { actor: ctx.actor, action: 'asset.delete', subject: qualifiedName,
      details: { edgesRemoved: edges.length, origin: ctx.origin } });
    await this.changes.append(tx, events);
    return { version };
  }

  /**
   * Incidents that named an asset before it existed (or while it was deleted) kept an unresolved
   * reference; a new asset picks them up, and its health (no longer unknown) is announced. So is the
   * health of an asset created again with incidents of its table.
   */
  private async attachWaitingIncidents(ctx: WriteContext, tx: TenantTx, inserted: Map<string, number>, revived: Map<string, number>): Promise<NewChangeEvent[]> {
    const created = new Map([...inserted, ...revived]);
    const attached = await this.incidents.attachUnresolved(tx, [...created].map(([qualifiedName, id]) => ({ id, qualifiedName })));
    const kept = (await this.incidents.forAssets(tx, [...revived.values()])).map((i) => i.assetId);
    const announced = new Set([...attached, ...kept]);
    const health = await this.assets.healthByIds(tx, [...announced]);
    const names = new Map([...created].map(([qn, id]) => [id, qn]));
    return [...created.values()].filter((id) => announced.has(id))
      .map((id) => changeEvent(ctx, 'asset.health.changed', names.get(id)!, { before: null, after: health.get(id) }));
  }

  private async views(tx: TenantTx, assets: AssetRow[]): Promise<AssetView[]> {
    const ids = assets.map((a) => a.id);
    const owners = [...new Set(assets.map(ownerOf).filter((o): o is string => o !== null))];
    const [tags, incidents, resolved] = await Promise.all([this.classifications.forAssets(tx, ids), this.incidents.forAssets(tx, ids),
      resolveOwners(this.directory, tx, owners)]);
    return assets.map((a) => toAssetView(a, tags.filter((t) => t.assetId === a.id), incidents.filter((i) => i.assetId === a.id), resolved));
  }
}

export const assetNotFound = (qualifiedName: string) =>
  notFound('asset_not_found', `no asset named ${JSON.stringify(qualifiedName)} in this tenant`, { qualifiedName });

const liveVersion = (a: AssetRow | undefined) => (a && a.deletedAt === null ? a.version : 0);

const snapshot = (a: AssetRow): Snapshot => ({ typeName: a.typeName, name: a.name, attributes: a.attributes });

function mergeAttributes(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** The fields that differ, as {before, after}; undefined when nothing does. */
function changedFields(before: Snapshot, after: Snapshot): { before: Partial<Snapshot>; after: Partial<Snapshot> } | undefined {
  const b: Partial<Snapshot> = {};
  const a: Partial<Snapshot> = {};
  if (before.typeName !== after.typeName) [b.typeName, a.typeName] = [before.typeName, after.typeName];
  if (before.name !== after.name) [b.name, a.name] = [before.name, after.name];
  if (!sameJson(before.attributes, after.attributes)) [b.attributes, a.attributes] = [before.attributes, after.attributes];
  return Object.keys(a).length === 0 ? undefined : { before: b, after: a };
}

