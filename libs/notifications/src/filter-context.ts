import { ChangeEventRecord } from '@tributary/contracts';
import type { CompiledNotifyRule } from '@tributary/propagation';
import { AssetsRepository, ClassificationsRepository, TenantTx } from '@tributary/store';

/** What a notify rule's filter sees: the event, its subject asset, and its incident (null for an owner loss). */
export interface FilterContext {
  event: Record<string, unknown>;
  asset: Record<string, unknown> | null;
  incident: ({ id: string } & Record<string, unknown>) | null;
}

/** The event as a filter sees it: its data parsed. */
export function eventView(event: ChangeEventRecord): Record<string, unknown> {
  return { id: event.id, type: event.type, subject: event.subject, origin: event.origin, time: event.time.toISOString(),
    data: JSON.parse(event.data) as Record<string, unknown> };
}

/**
 * The live assets a batch of events is about, as a filter sees them (name, type, attributes, owner,
 * classifications, health), read once for the batch: by name, null for one not live.
 */
export class FilterAssets {
  constructor(private readonly assets = new AssetsRepository(), private readonly classifications = new ClassificationsRepository()) {}

  async read(tx: TenantTx, names: string[]): Promise<(name: string) => Record<string, unknown> | null> {
    const assets = await this.assets.findLiveByNames(tx, [...new Set(names)]);
    const health = await this.assets.healthByIds(tx, [...assets.values()].map((a) => a.id));
    const tags = await this.classifications.forAssets(tx, [...assets.values()].map((a) => a.id));
    return (name) => {
      const asset = assets.get(name);
      return asset ? {
        qualifiedName: asset.qualifiedName, typeName: asset.typeName, attributes: asset.attributes,
        owner: typeof asset.attributes.owner === 'string' ? asset.attributes.owner : null,
        classifications: [...new Set(tags.filter((t) => t.assetId === asset.id).map((t) => t.name))],
        health: health.get(asset.id) ?? { status: 'healthy', openIncidents: 0 },
      } : null;
    };
  }
}

/** Whether the rule's filter passes over the context. */
export function passes(rule: CompiledNotifyRule, ctx: FilterContext): boolean {
  if (!rule.filterExpression) return true;
  try {
    return rule.filterExpression.evaluate(ctx as unknown as Record<string, unknown>) === true;
  } catch {
    // a filter that cannot be evaluated on this event (a field it names is absent) does not match it
    return false;
  }
}
