import { ChangeEventRecord } from '@tributary/contracts';
import { AssetsRepository, Database, LineageRepository, PropagationRepository, TenantId, TenantTx } from '@tributary/store';
import { attributeKey, attributeValue } from './propagation.engine';
import { Cause, FanoutJob, Lineage, MAX_RULE_GENERATIONS } from './propagation.jobs';
import { CompiledRule, RulesService } from './rules.service';

/** A change whose rule chain reached the bound, to be parked with its path. */
export interface StoppedChain {
  event: ChangeEventRecord;
  ruleId: string;
  path: string[];
}

/** Structural changes: every rule must recompute what flows across them. */
const STRUCTURAL = new Set(['lineage.edge.added', 'lineage.edge.removed', 'asset.deleted']);

/**
 * Decides, for a batch of one tenant's changes, which propagations to recompute.
 *  - A change a rule triggers on (and whose filter passes) recomputes what its subject contributes
 *    under that rule; a rule never reacts to its own output.
 *  - An edge added or removed, or an asset deleted, recomputes every propagation of every source
 *    upstream of it (within 50 hops), the deleted asset's own included.
 * Recomputing reads the current state, so planning too much costs work, never correctness.
 */
export class PropagationPlanner {
  constructor(
    private readonly database: Database,
    private readonly rules: RulesService,
    private readonly assets = new AssetsRepository(),
    private readonly lineage = new LineageRepository(),
    private readonly repo = new PropagationRepository(),
  ) {}

  async plan(tenantId: TenantId, events: ChangeEventRecord[]): Promise<{ jobs: FanoutJob[]; stopped: StoppedChain[] }> {
    return this.database.inTenant(tenantId, async (tx) => {
      const rules = await this.rules.enabled(tx);
      const jobs = new Map<string, FanoutJob>();
      const stopped: StoppedChain[] = [];
      const add = (ruleId: string, sourceId: number, key: string, lineage: Lineage, cause: Cause | null) => {
        const id = `${ruleId}/${sourceId}/${key}`;
        const prior = jobs.get(id);
        if (!prior || prior.generation < lineage.generation) jobs.set(id, { tenantId, ruleId, sourceId, key, ...lineage, cause });
      };
      // Most changes concern no rule (a rule's own output, types nothing triggers on): only the
      // others are parsed and looked up. A 100,000-asset fan-out writes 100,000 such changes.
      const relevant = events.filter((e) => STRUCTURAL.has(e.type) || rules.some((r) => e.origin !== `rule:${r.id}` && r.trigger.includes(e.type)));
      if (relevant.length === 0) return { jobs: [], stopped: [] };
      const ids = await this.assets.idsByNames(tx, [...new Set(relevant.map((e) => e.subject))]);

      const structuralRoots = new Set<number>();
      for (const event of relevant) {
        const data = JSON.parse(event.data) as Record<string, unknown> & Partial<Lineage>;
        const lineage: Lineage = { generation: data.generation ?? 0, chain: data.chain ?? [] };
        if (STRUCTURAL.has(event.type)) {
          const root = ids.get(event.subject);
          if (root !== undefined) structuralRoots.add(root);
        }
        const subject = ids.get(event.subject);
        if (subject === undefined) continue;
        for (const rule of rules) {
          if (event.origin === `rule:${rule.id}` || !rule.trigger.includes(event.type) || !passes(rule, event, data)) continue;
          if (lineage.generation >= MAX_RULE_GENERATIONS) {
            stopped.push({ event, ruleId: rule.id, path: [...lineage.chain, rule.id] });
            continue;
          }
          for (const key of keysForSubject(rule, data)) add(rule.id, subject, key, lineage, { traceparent: event.traceparent, changedAt: event.time.toISOString() });
        }
      }
      if (structuralRoots.size > 0) {
        for (const job of await this.structural(tx, rules, [...structuralRoots])) add(job.ruleId, job.sourceId, job.key, { generation: 0, chain: [] }, null);
      }
      await this.dropIdleSubjects(tx, rules, jobs);
      return { jobs: [...jobs.values()], stopped };
    });
  }

  /**
   * Every propagation of a rule, for when the rule itself changed: what it has now (to recompute or
   * retract) and, if it is enabled, every source it would have.
   */
  async planRule(tenantId: TenantId, ruleId: string): Promise<FanoutJob[]> {
    return this.database.inTenant(tenantId, async (tx) => {
      const rule = (await this.rules.enabled(tx)).find((r) => r.id === ruleId);
      const existing = await this.repo.keysFromSources(tx, ruleId, 'all');
      const fresh = rule ? await this.activeSources(tx, rule, 'all') : [];
      const seen = new Set<string>();
      return [...existing, ...fresh].filter((k) => !seen.has(`${k.sourceId}/${k.key}`) && seen.add(`${k.sourceId}/${k.key}`))
        .map((k) => ({ tenantId, ruleId, sourceId: k.sourceId, key: k.key, generation: 0, chain: [], cause: null }));
    });
  }

  /**
   * Every propagation whose source is upstream of the changed edges or assets. Every source that
   * propagates anything has a generation row (its fan-out wrote one when it became a source, or
   * when its rule was switched on), so those rows are the sources to recompute; a tenant with none
   * (a bulk load before any tag exists) needs no upstream walk at all.
   */
  private async structural(tx: TenantTx, rules: CompiledRule[], roots: number[]): Promise<{ ruleId: string; sourceId: number; key: string }[]> {
    const out: { ruleId: string; sourceId: number; key: string }[] = [];
    // A source of derived values is first fanned out once it has something downstream (see
    // dropIdleSubjects), so the source of a new edge may be one that never was: it has no generation
    // row yet. Anything further upstream had something downstream already, so it has one.
    for (const rule of rules.filter((r) => r.action.type !== 'propagate_classification')) {
      out.push(...(await this.activeSources(tx, rule, roots)).map((s) => ({ ruleId: rule.id, ...s })));
    }
    if (!(await this.repo.hasPropagations(tx))) return out;
    const upstream = [...roots, ...(await this.lineage.walk(tx, roots, 'upstream', 50)).map((r) => r.id)];
    for (const rule of rules) out.push(...(await this.repo.keysFromSources(tx, rule.id, upstream)));
    return out;
  }

  /**
   * Drops planned recomputations of incident and attribute rules whose subject never propagated
   * anything (no generation row) and has nothing to propagate now: it is no source, or it has no
   * edge out of it (an incident on a table nothing reads from). Recomputing them would stage nothing
   * over nothing; every created or updated asset triggers the deprecation rule, and every incident
   * count change the incident rule. structural() plans the subject when it gains an edge.
   */
  private async dropIdleSubjects(tx: TenantTx, rules: CompiledRule[], jobs: Map<string, FanoutJob>): Promise<void> {
    for (const rule of rules.filter((r) => r.action.type !== 'propagate_classification')) {
      const planned = [...jobs.values()].filter((j) => j.ruleId === rule.id);
      if (planned.length === 0) continue;
      const ids = planned.map((j) => j.sourceId);
      const known = new Set((await this.repo.keysFromSources(tx, rule.id, ids)).map((k) => k.sourceId));
      const unknown = ids.filter((id) => !known.has(id));
      const active = new Set((await this.activeSources(tx, rule, unknown)).map((k) => k.sourceId));
      const reaching = await this.lineage.withDownstream(tx, [...active]);
      for (const j of planned) {
        if (!known.has(j.sourceId) && !(active.has(j.sourceId) && reaching.has(j.sourceId))) jobs.delete(`${j.ruleId}/${j.sourceId}/${j.key}`);
      }
    }
  }

  /** The assets that are sources under a rule now (among `candidates`, or the whole tenant), with their keys (also a rule's preview). */
  async activeSources(tx: TenantTx, rule: CompiledRule, candidates: number[] | 'all'): Promise<{ sourceId: number; key: string }[]> {
    const ids = candidates === 'all' ? await this.allAssetIds(tx) : candidates;
    switch (rule.action.type) {
      case 'propagate_classification': {
        const names = rule.action.names;
        return (await this.repo.propagatingTags(tx, ids)).filter((t) => !names || names.includes(t.name))
          .map((t) => ({ sourceId: t.assetId, key: t.name }));
      }
      case 'propagate_incidents':
        return [...(await this.repo.openIncidents(tx, ids)).keys()].map((sourceId) => ({ sourceId, key: 'incidents' }));
      case 'propagate_attribute': {
        const key = attributeKey(rule)!;
        const rows = await this.assets.findLiveByIds(tx, ids);
        return [...rows.values()].filter((a) => safeValue(rule, a) !== null).map((a) => ({ sourceId: a.id, key }));
      }
    }
  }

  private async allAssetIds(tx: TenantTx): Promise<number[]> {
    return (await tx.db.selectFrom('assets').select('id').where('tenant_id', '=', tx.tenantId).where('deleted_at', 'is', null).execute())
      .map((r) => r.id);
  }
}

function passes(rule: CompiledRule, event: ChangeEventRecord, data: Record<string, unknown>): boolean {
  if (!rule.filterExpression) return true;
  try {
    return rule.filterExpression.evaluate({ event: { id: event.id, type: event.type, subject: event.subject, origin: event.origin,
      time: event.time.toISOString(), data } }) === true;
  } catch {
    // A filter that cannot be evaluated on this event (a field it names is absent) does not match it.
    return false;
  }
}

/** What a subject's change makes a rule recompute: the tag the change names, or the rule's single key. */
function keysForSubject(rule: CompiledRule, data: Record<string, unknown>): string[] {
  switch (rule.action.type) {
    case 'propagate_classification': {
      const tag = ((data.after ?? data.before) as { name?: string } | null)?.name;
      if (!tag || (rule.action.names && !rule.action.names.includes(tag))) return [];
      return [tag];
    }
    case 'propagate_incidents':
      return ['incidents'];
    case 'propagate_attribute':
      return [attributeKey(rule)!];
  }
}

function safeValue(rule: CompiledRule, asset: Parameters<typeof attributeValue>[1]): unknown | null {
  try {
    return attributeValue(rule, asset);
  } catch {
    return null;
  }
}
