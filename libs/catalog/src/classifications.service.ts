import { notFound } from '@tributary/errors';
import { AssetsRepository, AuditEntry, AuditRepository, ChangeEventsRepository, ClassificationsRepository, Database, TenantTx } from '@tributary/store';
import { assetNotFound } from './assets.service';
import { changeEvent, ChangeType } from './change-event.factory';
import { WriteContext } from './write-context';

/** Direct tags. What they propagate downstream is the propagator's work, triggered by these events. */
export class ClassificationsService {
  constructor(
    private readonly database: Database,
    private readonly assets = new AssetsRepository(),
    private readonly classifications = new ClassificationsRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  /** Adds a direct tag, or changes its propagate flag. Adding it again as it is changes nothing. */
  async add(ctx: WriteContext, qualifiedName: string, name: string, propagate: boolean): Promise<{ version: number }> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.addIn(ctx, tx, qualifiedName, name, propagate));
  }

  /** `add` inside the caller's transaction. */
  async addIn(ctx: WriteContext, tx: TenantTx, qualifiedName: string, name: string, propagate: boolean): Promise<{ version: number }> {
    const { version } = (await this.changeDirectIn(ctx, tx, [{ qualifiedName, add: [{ name, propagate }] }])).get(qualifiedName)!;
    return { version };
  }

  /**
   * Direct tags of several assets added (or their propagate flag changed) and removed in the
   * caller's transaction, each change as `add` and `remove` make it (its audit entry, its events),
   * in a few statements for all of them: a source's fact applier tags the assets of many
   * notifications at once. An asset's version is bumped once, whatever changed on it. Adding a tag
   * as it is, or removing one the asset does not hold, changes nothing; an asset not live is 404.
   */
  async changeDirectIn(ctx: WriteContext, tx: TenantTx, changes: DirectTagChanges[]): Promise<Map<string, DirectTagsChanged>> {
    const names = [...new Set(changes.map((c) => c.qualifiedName))];
    const live = new Map([...await this.assets.lockByNames(tx, names)].filter(([, a]) => a.deletedAt === null));
    const missing = names.find((n) => !live.has(n));
    if (missing !== undefined) throw assetNotFound(missing);
    // what each asset holds as the changes go, and what was there before them (the net write)
    const held = await this.classifications.directOf(tx, [...live.values()].map((a) => a.id));
    const before = new Map([...held].map(([id, tags]) => [id, new Map(tags)]));
    const steps: { qualifiedName: string; assetId: number; type: ChangeType; data: (version: number) => Record<string, unknown>; audit?: AuditEntry }[] = [];
    const removed = new Map<string, string[]>(names.map((n) => [n, []]));
    for (const c of changes) {
      const assetId = live.get(c.qualifiedName)!.id;
      const tags = held.get(assetId)!;
      for (const { name, propagate } of c.add ?? []) {
        const current = tags.get(name);
        if (current === propagate) continue;
        tags.set(name, propagate);
        const audit = { actor: ctx.actor, action: 'classification.add', subject: c.qualifiedName, details: { name, propagate, origin: ctx.origin } };
        if (current !== undefined) {
          // the flag changed: the old tag's removal is an event, the change one audit entry (the add's)
          steps.push({ qualifiedName: c.qualifiedName, assetId, type: 'asset.classification.removed',
            data: (version) => ({ source: 'direct', before: { name, propagate: current, source: 'direct' }, after: null, version }) });
        }
        steps.push({ qualifiedName: c.qualifiedName, assetId, type: 'asset.classification.added', audit,
          data: (version) => ({ source: 'direct', before: null, after: { name, propagate, source: 'direct' }, version }) });
      }
      for (const name of c.remove ?? []) {
        const current = tags.get(name);
        if (current === undefined) continue;
        tags.delete(name);
        removed.get(c.qualifiedName)!.push(name);
        steps.push({ qualifiedName: c.qualifiedName, assetId, type: 'asset.classification.removed',
          audit: { actor: ctx.actor, action: 'classification.remove', subject: c.qualifiedName, details: { name, origin: ctx.origin } },
          data: (version) => ({ source: 'direct', before: { name, propagate: current, source: 'direct' }, after: null, version }) });
      }
    }
    const upserts = [...held].flatMap(([assetId, tags]) => [...tags].filter(([name, propagate]) => before.get(assetId)!.get(name) !== propagate)
      .map(([name, propagate]) => ({ assetId, name, propagate })));
    const deletes = [...before].flatMap(([assetId, tags]) => [...tags.keys()].filter((name) => !held.get(assetId)!.has(name)).map((name) => ({ assetId, name })));
    await this.classifications.upsertDirect(tx, upserts);
    await this.classifications.deleteDirect(tx, deletes);
    const versions = await this.assets.bumpVersions(tx, [...new Set(steps.map((s) => s.assetId))]);
    await this.audit.recordMany(tx, steps.flatMap((s) => (s.audit ? [s.audit] : [])));
    await this.changes.append(tx, steps.map((s) => changeEvent(ctx, s.type, s.qualifiedName, s.data(versions.get(s.assetId)!))));
    return new Map(names.map((n) => {
      const asset = live.get(n)!;
      return [n, { version: versions.get(asset.id) ?? asset.version, removed: removed.get(n)! }];
    }));
  }

  async remove(ctx: WriteContext, qualifiedName: string, name: string): Promise<{ version: number }> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.removeIn(ctx, tx, qualifiedName, name));
  }

  /** `remove` inside the caller's transaction. */
  async removeIn(ctx: WriteContext, tx: TenantTx, qualifiedName: string, name: string): Promise<{ version: number }> {
    const { version, removed } = (await this.changeDirectIn(ctx, tx, [{ qualifiedName, remove: [name] }])).get(qualifiedName)!;
    if (removed.length === 0) {
      throw notFound('classification_not_found', `asset ${JSON.stringify(qualifiedName)} has no direct classification ${JSON.stringify(name)}`,
        { qualifiedName, name });
    }
    return { version };
  }
}

/** Direct tags to change on one asset: added (or their propagate flag changed), then removed. */
export interface DirectTagChanges {
  qualifiedName: string;
  add?: { name: string; propagate: boolean }[];
  remove?: string[];
}

/** What `changeDirectIn` made of an asset: its version after the changes, and the tags it removed. */
export interface DirectTagsChanged {
  version: number;
  removed: string[];
}
