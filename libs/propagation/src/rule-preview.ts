import { z } from 'zod';
import { AssetsRepository, Database, PropagationRepository, TenantId, TenantTx } from '@tributary/store';
import { Contribution, deriveValues } from './derived-values';
import { attributeValue } from './propagation.engine';
import { PropagationPlanner } from './propagation.planner';
import { CompiledRule, CreateRuleBody, RulesService } from './rules.service';

/** One change a rule would make: the asset, and the change event it would write there (type, before, after). */
export interface PreviewedChange {
  qualifiedName: string;
  change: { type: string } & Record<string, unknown>;
}

/** How many changes a preview lists; `total` counts them all. */
export const PREVIEW_LIMIT = 100;

interface Reached { sourceId: number; key: string; assetId: number; depth: number }

/**
 * What a rule would change if it were saved and enabled now, without writing anything: the same
 * sources (RulePlanning's first planning), the same reach (depth and types, the fan-out's walk) and
 * the same values (the engine's) as the propagation engine would compute from the store as it is.
 * Changes are described as the change events the engine would write: a tag per source and asset,
 * or an asset's derived values (upstream incidents, propagated attributes) before and after, as
 * they end: the engine applies each source on its own, so it may reach that end through a write per
 * source. A
 * rule's trigger and filter choose which later changes it reacts to, so they change nothing here.
 */
export class RulePreview {
  constructor(
    private readonly database: Database,
    private readonly rules: RulesService,
    private readonly planner: PropagationPlanner,
    private readonly repo = new PropagationRepository(),
    private readonly assets = new AssetsRepository(),
  ) {}

  async preview(tenantId: TenantId, body: z.infer<typeof CreateRuleBody>): Promise<{ changes: PreviewedChange[]; total: number }> {
    const rule = this.rules.candidate(body);
    const changes = await this.database.inTenant(tenantId, async (tx) => {
      const sources = await this.planner.activeSources(tx, rule, 'all');
      const reached: Reached[] = [];
      for (const source of sources) {
        for (const r of await this.repo.reach(tx, source.sourceId, rule.action)) reached.push({ ...source, ...r });
      }
      return rule.action.type === 'propagate_classification' ? this.tags(tx, reached) : this.derived(tx, rule, reached);
    });
    changes.sort((a, b) => (a.qualifiedName < b.qualifiedName ? -1 : a.qualifiedName > b.qualifiedName ? 1 : 0));
    return { changes: changes.slice(0, PREVIEW_LIMIT), total: changes.length };
  }

  /** A propagated tag per source and asset reached, as the engine adds one per propagation. */
  private async tags(tx: TenantTx, reached: Reached[]): Promise<PreviewedChange[]> {
    const names = await this.assets.namesByIds(tx, [...new Set(reached.flatMap((r) => [r.sourceId, r.assetId]))]);
    return reached.map((r) => ({
      qualifiedName: names.get(r.assetId)!.qualifiedName,
      change: { type: 'asset.classification.added', before: null,
        after: { name: r.key, propagate: true, source: 'propagated', propagatedFrom: names.get(r.sourceId)!.qualifiedName, depth: r.depth } },
    }));
  }

  /** Each reached asset's derived values with the rule's contributions added to the ones it has, where they differ from now. */
  private async derived(tx: TenantTx, rule: CompiledRule, reached: Reached[]): Promise<PreviewedChange[]> {
    const sourceIds = [...new Set(reached.map((r) => r.sourceId))];
    const values = await this.sourceValues(tx, rule, sourceIds);
    const sourceNames = await this.assets.namesByIds(tx, sourceIds);
    const assetIds = [...new Set(reached.map((r) => r.assetId))];
    const current = await this.repo.derivedOf(tx, assetIds);
    const contributions = new Map<number, Contribution[]>(assetIds.map((id) => [id, []]));
    for (const c of await this.repo.contributionsTo(tx, assetIds)) contributions.get(c.assetId)!.push(c);
    for (const r of reached) {
      contributions.get(r.assetId)!.push({ key: r.key, depth: r.depth, value: values.get(r.sourceId), source: sourceNames.get(r.sourceId)!.qualifiedName });
    }
    const changes: PreviewedChange[] = [];
    for (const assetId of assetIds) {
      const before = current.get(assetId)!;
      const after = deriveValues(contributions.get(assetId)!);
      if (before.upstream !== after.upstream) {
        changes.push({ qualifiedName: before.qualifiedName, change: { type: 'asset.health.changed',
          before: { upstreamOpenIncidents: before.upstream }, after: { upstreamOpenIncidents: after.upstream } } });
      }
      if (JSON.stringify(before.derived) !== JSON.stringify(after.derived)) {
        changes.push({ qualifiedName: before.qualifiedName, change: { type: 'asset.updated',
          before: { derivedAttributes: before.derived }, after: { derivedAttributes: after.derived } } });
      }
    }
    return changes;
  }

  /** What each source contributes: its open incidents, or the attribute rule's value (the engine's sourceValue). */
  private async sourceValues(tx: TenantTx, rule: CompiledRule, sourceIds: number[]): Promise<Map<number, unknown>> {
    if (rule.action.type === 'propagate_incidents') return this.repo.openIncidents(tx, sourceIds);
    const rows = await this.assets.findLiveByIds(tx, sourceIds);
    return new Map([...rows].map(([id, asset]) => [id, attributeValue(rule, asset)]));
  }
}
