import { notFound } from '@tributary/errors';
import { AssetsRepository, AuditRepository, ChangeEventsRepository, ClassificationsRepository, Database, TenantTx } from '@tributary/store';
import { assetNotFound } from './assets.service';
import { changeEvent } from './change-event.factory';
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

  /** `add` inside the caller's transaction: a source's fact applier tags the assets it writes, all or nothing. */
  async addIn(ctx: WriteContext, tx: TenantTx, qualifiedName: string, name: string, propagate: boolean): Promise<{ version: number }> {
    const asset = await this.assets.findLive(tx, qualifiedName, true);
    if (!asset) throw assetNotFound(qualifiedName);
    const current = await this.classifications.findDirect(tx, asset.id, name);
    if (current && current.propagate === propagate) return { version: asset.version };
    await this.classifications.upsertDirect(tx, asset.id, name, propagate);
    const version = await this.assets.bumpVersion(tx, asset.id);
    await this.audit.record(tx, { actor: ctx.actor, action: 'classification.add', subject: qualifiedName,
      details: { name, propagate, origin: ctx.origin } });
    const events = current
      ? [changeEvent(ctx, 'asset.classification.removed', qualifiedName, { source: 'direct', before: { name, propagate: current.propagate, source: 'direct' }, after: null, version })]
      : [];
    events.push(changeEvent(ctx, 'asset.classification.added', qualifiedName, { source: 'direct', before: null, after: { name, propagate, source: 'direct' }, version }));
    await this.changes.append(tx, events);
    return { version };
  }

  async remove(ctx: WriteContext, qualifiedName: string, name: string): Promise<{ version: number }> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.removeIn(ctx, tx, qualifiedName, name));
  }

  /** `remove` inside the caller's transaction. */
  async removeIn(ctx: WriteContext, tx: TenantTx, qualifiedName: string, name: string): Promise<{ version: number }> {
    const asset = await this.assets.findLive(tx, qualifiedName, true);
    if (!asset) throw assetNotFound(qualifiedName);
    const removed = await this.classifications.deleteDirect(tx, asset.id, name);
    if (!removed) {
      throw notFound('classification_not_found', `asset ${JSON.stringify(qualifiedName)} has no direct classification ${JSON.stringify(name)}`,
        { qualifiedName, name });
    }
    const version = await this.assets.bumpVersion(tx, asset.id);
    await this.audit.record(tx, { actor: ctx.actor, action: 'classification.remove', subject: qualifiedName,
      details: { name, origin: ctx.origin } });
    await this.changes.append(tx, [changeEvent(ctx, 'asset.classification.removed', qualifiedName,
      { source: 'direct', before: { name, propagate: removed.propagate, source: 'direct' }, after: null, version })]);
    return { version };
  }
}
