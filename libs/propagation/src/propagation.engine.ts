import { changeEvent, WriteContext } from '@tributary/catalog';
import { childTraceparent } from '@tributary/observability';
import { Job, JobOutcome, JobQueue } from '@tributary/queue';
import {
  AssetRow, AssetsRepository, AuditRepository, ChangeEventsRepository, Database, DesiredRow, NewChangeEvent, PropagationKey,
  PropagationRepository, TenantTx,
} from '@tributary/store';
import { deriveValues } from './derived-values';
import { APPLY_QUEUE, ApplyJob, FANOUT_QUEUE, FanoutJob } from './propagation.jobs';
import { Rule } from './rule';
import { CompiledRule, RulesService } from './rules.service';

/**
 * The propagation engine. Each job recomputes from the store's current state, never from the event
 * that caused it, so the result does not depend on the order or number of deliveries:
 *  - fan-out: is the source still a source under the rule (live, tagged, with open incidents, with
 *    the attribute)? Stage everything downstream of it (or nothing) under a new generation, then
 *    enqueue one apply job per partition;
 *  - apply: if that generation is still the newest, make the partition's stored rows equal the
 *    staged ones, writing each changed asset once, with a change event (origin rule:<id>).
 */
export class PropagationEngine {
  constructor(
    private readonly database: Database,
    private readonly rules: RulesService,
    private readonly queue: JobQueue,
    private readonly repo = new PropagationRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  async fanout(job: Job<FanoutJob>): Promise<JobOutcome> {
    const d = job.data;
    const k: PropagationKey = { ruleId: d.ruleId, sourceId: d.sourceId, key: d.key };
    const staged = await this.database.inTenant(d.tenantId, async (tx) => {
      await this.repo.lock(tx, k);
      const rule = (await this.rules.enabled(tx)).find((r) => r.id === d.ruleId);
      const value = rule ? await this.sourceValue(tx, rule, d.sourceId, d.key) : null;
      const reach = rule?.action ?? { maxDepth: 1 };
      const result = await this.repo.stage(tx, k, { maxDepth: reach.maxDepth, typeNames: 'typeNames' in reach ? reach.typeNames : undefined }, value);
      // Nothing staged over nothing applied (an incident on a table with nothing downstream): the store
      // already equals the result, so no apply job is needed. Read after stage() replaced the
      // generation, which waited for any apply of the one before to commit, and an older apply that
      // starts later finds itself superseded.
      const idle = result.size === 0 && !(await this.repo.hasApplied(tx, k, derived(k.key) ? 'contributions' : 'tags'));
      return { ...result, partitions: idle ? 0 : result.partitions };
    });
    await this.queue.enqueue<ApplyJob>(APPLY_QUEUE, Array.from({ length: staged.partitions }, (_, partition) => ({
      data: { ...d, staged: staged.generation, partitions: staged.partitions, partition },
      dedupKey: `${d.tenantId}/${d.ruleId}/${d.sourceId}/${d.key}/${staged.generation}/${partition}`,
    })));
    return { status: 'success' };
  }

  async apply(job: Job<ApplyJob>): Promise<JobOutcome> {
    const d = job.data;
    const k: PropagationKey = { ruleId: d.ruleId, sourceId: d.sourceId, key: d.key };
    return this.database.inTenant(d.tenantId, async (tx) => {
      const current = await this.repo.generationOf(tx, k, true);
      if (!current || current.generation !== d.staged) return { status: 'skipped', reason: 'superseded by a newer fan-out' } as const;
      const desired = await this.repo.desired(tx, k, d.staged, d.partitions, d.partition);
      // One span per apply job, in the trace of the change that caused it (jobs queued without a cause have none).
      const ctx: WriteContext = { tenantId: d.tenantId, actor: `rule:${d.ruleId}`, origin: `rule:${d.ruleId}`, traceparent: childTraceparent(d.cause?.traceparent) };
      const lineage = { generation: d.generation + 1, chain: [...d.chain, d.ruleId] };
      const source = (await this.assets.namesByIds(tx, [d.sourceId])).get(d.sourceId)?.qualifiedName ?? '';
      const events = derived(d.key)
        ? await this.applyDerived(tx, ctx, k, d, desired, lineage)
        : await this.applyTags(tx, ctx, k, d, desired, source, lineage);
      if (events.length > 0) {
        await this.audit.record(tx, { actor: ctx.actor, action: 'propagation.apply', subject: source,
          details: { key: d.key, partition: d.partition, partitions: d.partitions, changes: events.length, generation: lineage.generation } });
        await this.changes.append(tx, events);
      }
      return { status: 'success' } as const;
    });
  }

  /** Is the asset a source under the rule, and of what: null when it contributes nothing. */
  private async sourceValue(tx: TenantTx, rule: CompiledRule, sourceId: number, key: string): Promise<unknown | null> {
    const asset = (await this.assets.findLiveByIds(tx, [sourceId])).get(sourceId);
    if (!asset) return null;
    switch (rule.action.type) {
      case 'propagate_classification': {
        if (rule.action.names && !rule.action.names.includes(key)) return null;
        const tags = await this.repo.propagatingTags(tx, [sourceId]);
        return tags.some((t) => t.name === key) ? true : null;
      }
      case 'propagate_incidents':
        return (await this.repo.openIncidents(tx, [sourceId])).get(sourceId) ?? null;
      case 'propagate_attribute':
        return attributeValue(rule, asset);
    }
  }

  private async applyTags(tx: TenantTx, ctx: WriteContext, k: PropagationKey, d: ApplyJob, desired: DesiredRow[], source: string,
    lineage: { generation: number; chain: string[] }): Promise<NewChangeEvent[]> {
    const current = new Map((await this.repo.propagatedTags(tx, k, d.partitions, d.partition)).map((r) => [r.assetId, r.depth]));
    const wanted = new Map(desired.map((r) => [r.assetId, r.depth]));
    const put = desired.filter((r) => current.get(r.assetId) !== r.depth);
    const drop = [...current.keys()].filter((id) => !wanted.has(id));
    const touched = [...put.map((r) => r.assetId), ...drop].sort((a, b) => a - b);
    if (touched.length === 0) return [];
    const versions = await this.repo.lockAndBumpVersions(tx, touched);
    await this.repo.putTags(tx, k, put);
    await this.repo.dropTags(tx, k, drop);
    const tag = (depth: number) => ({ name: k.key, propagate: true, source: 'propagated', propagatedFrom: source, depth, ruleId: k.ruleId });
    return [
      // A propagated tag whose depth changed is reported as added again, with its previous provenance as `before`.
      ...put.filter((r) => versions.has(r.assetId)).map((r) => changeEvent(ctx, 'asset.classification.added', versions.get(r.assetId)!.qualifiedName, {
        source: 'propagated', before: current.has(r.assetId) ? tag(current.get(r.assetId)!) : null, after: tag(r.depth),
        version: versions.get(r.assetId)!.version, ...lineage })),
      ...drop.filter((id) => versions.has(id)).map((id) => changeEvent(ctx, 'asset.classification.removed', versions.get(id)!.qualifiedName, {
        source: 'propagated', before: tag(current.get(id)!), after: null, version: versions.get(id)!.version, ...lineage })),
    ];
  }

  private async applyDerived(tx: TenantTx, ctx: WriteContext, k: PropagationKey, d: ApplyJob, desired: DesiredRow[],
    lineage: { generation: number; chain: string[] }): Promise<NewChangeEvent[]> {
    const current = new Map((await this.repo.contributions(tx, k, d.partitions, d.partition)).map((r) => [r.assetId, r]));
    const wanted = new Set(desired.map((r) => r.assetId));
    const put = desired.filter((r) => {
      const c = current.get(r.assetId);
      return !c || c.depth !== r.depth || JSON.stringify(c.value) !== JSON.stringify(r.value);
    });
    const drop = [...current.keys()].filter((id) => !wanted.has(id));
    const touched = [...put.map((r) => r.assetId), ...drop].sort((a, b) => a - b);
    if (touched.length === 0) return [];
    await this.repo.lockAssets(tx, touched);
    await this.repo.putContributions(tx, k, put);
    await this.repo.dropContributions(tx, k, drop);

    const healthBefore = await this.assets.healthByIds(tx, touched);
    const before = await this.repo.derivedOf(tx, touched);
    const contributions = await this.repo.contributionsTo(tx, touched);
    const next = touched.map((assetId) => ({ assetId, ...deriveValues(contributions.filter((c) => c.assetId === assetId)) }));
    const changed = next.filter((n) => {
      const b = before.get(n.assetId)!;
      return b.upstream !== n.upstream || JSON.stringify(b.derived) !== JSON.stringify(n.derived);
    });
    await this.repo.setDerived(tx, changed);
    const versions = await this.repo.bumpVersions(tx, changed.map((c) => c.assetId));
    const healthAfter = await this.assets.healthByIds(tx, changed.map((c) => c.assetId));
    const events: NewChangeEvent[] = [];
    for (const n of changed) {
      const b = before.get(n.assetId)!;
      const qn = b.qualifiedName;
      const version = versions.get(n.assetId)?.version;
      if (b.upstream !== n.upstream) {
        events.push(changeEvent(ctx, 'asset.health.changed', qn, {
          before: { status: healthBefore.get(n.assetId)?.status, upstreamOpenIncidents: b.upstream },
          after: { status: healthAfter.get(n.assetId)?.status, upstreamOpenIncidents: n.upstream }, version, ...lineage }));
      }
      if (JSON.stringify(b.derived) !== JSON.stringify(n.derived)) {
        events.push(changeEvent(ctx, 'asset.updated', qn, {
          before: { derivedAttributes: b.derived }, after: { derivedAttributes: n.derived }, version, ...lineage }));
      }
    }
    return events;
  }

  /** Enqueues the recomputation of propagations (deduplicated while one for the same change waits). */
  async schedule(jobs: FanoutJob[], version: string): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.enqueue<FanoutJob>(FANOUT_QUEUE, jobs.map((data) => ({
      data, dedupKey: `${data.tenantId}/${data.ruleId}/${data.sourceId}/${data.key}/${version}`,
    })));
  }
}


/** An attribute rule's value for a source: null when `when` is false or the value is null. */
export function attributeValue(rule: CompiledRule, asset: AssetRow): unknown | null {
  const source = { qualifiedName: asset.qualifiedName, typeName: asset.typeName, attributes: asset.attributes };
  if (rule.when?.evaluate({ source }) !== true) return null;
  return rule.value?.evaluate({ source }) ?? null;
}

/** Whether a propagation key derives values (incident counts, attributes) rather than tags. */
const derived = (key: string) => key === 'incidents' || key.startsWith('attr:');

/** The propagation key an attribute rule writes under. */
export function attributeKey(rule: Rule): string | null {
  return rule.action.type === 'propagate_attribute' ? `attr:${rule.action.aggregate}:${rule.action.attribute}` : null;
}
