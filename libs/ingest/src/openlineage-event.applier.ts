import { AssetInput, AssetsService, edgeAdded, edgeRemoved, WriteContext } from '@tributary/catalog';
import { LineageDataset, OPENLINEAGE_EVENT_FACT, OpenLineageEventFact } from '@tributary/connectors';
import {
  AssetsRepository, ChangeEventsRepository, Database, EdgeIds, LineageRepository, NewChangeEvent, OpenLineageRepository, StoredColumnLineage, TenantTx,
} from '@tributary/store';
import { FactApplier, FactToApply } from './fact-applier';

/**
 * Applies OpenLineage events (OPENLINEAGE_EVENT_FACT), a batch in one transaction, in log order:
 * - every mapped dataset becomes an asset if absent; an existing one keeps its type, name and every
 *   attribute, except `columns`, which a `schema` facet replaces;
 * - a `columnLineage` facet replaces the asset's column lineage, unless a newer event's is stored;
 * - a run's COMPLETE makes the job's edges exactly its inputs × outputs, with the job as `process`:
 *   edges it no longer produces are removed, unless another job still produces them or a person
 *   drew them; a COMPLETE older (by eventTime) than the job's last applied one changes nothing, and
 *   a redelivery finds nothing to change.
 * Unresolved datasets (no mapping rule) write nothing: no asset, no edge.
 */
export class OpenLineageEventApplier implements FactApplier {
  readonly kind = OPENLINEAGE_EVENT_FACT;

  constructor(
    private readonly database: Database,
    private readonly assetsService: AssetsService,
    private readonly assets = new AssetsRepository(),
    private readonly lineage = new LineageRepository(),
    private readonly jobs = new OpenLineageRepository(),
    private readonly changes = new ChangeEventsRepository(),
  ) {}

  async apply(ctx: WriteContext, facts: FactToApply[]): Promise<{ applied: number; duplicates: number }> {
    const events = facts.map((f) => {
      const parsed = OpenLineageEventFact.safeParse(f.fact.value);
      if (!parsed.success) throw new Error(`not an OpenLineage event fact: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const ids = await this.upsertAssets(ctx, tx, events);
      await this.saveColumnLineage(tx, events, ids);
      let duplicates = 0;
      const changes: NewChangeEvent[] = [];
      for (const event of events) {
        if (!event.completes || !event.job) continue;
        const edges = await this.setJobEdges(ctx, tx, event, ids);
        if (edges === null) duplicates += 1;
        else changes.push(...edges);
      }
      await this.changes.append(tx, changes);
      return { applied: events.length - duplicates, duplicates };
    });
  }

  /** Creates the assets that are absent; sets `columns` where a schema facet says them. Returns every mapped dataset's asset id. */
  private async upsertAssets(ctx: WriteContext, tx: TenantTx, events: OpenLineageEventFact[]): Promise<Map<string, number>> {
    const datasets = new Map<string, LineageDataset>();
    for (const d of events.flatMap((e) => [...e.inputs, ...e.outputs])) {
      if (d.qualifiedName === null) continue;
      // in log order: the last schema said wins, and a mention without one keeps the earlier
      const before = datasets.get(d.qualifiedName);
      datasets.set(d.qualifiedName, d.columns === null && before ? before : d);
    }
    const existing = await this.assets.findLiveByNames(tx, [...datasets.keys()]);
    const inputs: AssetInput[] = [];
    for (const [qualifiedName, d] of datasets) {
      const live = existing.get(qualifiedName);
      if (live && d.columns === null) continue;
      inputs.push({ qualifiedName, typeName: live?.typeName ?? d.typeName, ...(live ? {} : { name: d.name }),
        ...(d.columns === null ? {} : { attributes: { columns: d.columns } }) });
    }
    await this.assetsService.upsertIn(ctx, tx, inputs);
    return this.assets.idsByNames(tx, [...datasets.keys()]);
  }

  private async saveColumnLineage(tx: TenantTx, events: OpenLineageEventFact[], ids: Map<string, number>): Promise<void> {
    const rows = new Map<number, { assetId: number; fields: StoredColumnLineage[]; eventTime: Date }>();
    for (const e of events) {
      for (const d of e.outputs) {
        const assetId = d.qualifiedName === null ? undefined : ids.get(d.qualifiedName);
        if (assetId === undefined || d.columnLineage === null) continue;
        const eventTime = new Date(e.eventTime);
        const before = rows.get(assetId);
        if (!before || before.eventTime <= eventTime) rows.set(assetId, { assetId, fields: d.columnLineage, eventTime });
      }
    }
    await this.jobs.saveColumnLineage(tx, [...rows.values()]);
  }

  /** The job's edges after a COMPLETE, as change events; null when the COMPLETE is older than the job's last (it changes nothing). */
  private async setJobEdges(ctx: WriteContext, tx: TenantTx, event: OpenLineageEventFact, ids: Map<string, number>): Promise<NewChangeEvent[] | null> {
    const process = event.job!.process;
    const at = new Date(event.eventTime);
    const last = await this.jobs.lockJob(tx, process);
    if (last && at < last) return null;
    const wanted = new Map<string, EdgeIds>();
    for (const input of event.inputs) {
      for (const output of event.outputs) {
        const srcId = input.qualifiedName === null ? undefined : ids.get(input.qualifiedName);
        const dstId = output.qualifiedName === null ? undefined : ids.get(output.qualifiedName);
        if (srcId !== undefined && dstId !== undefined && srcId !== dstId) wanted.set(edgeKey({ srcId, dstId }), { srcId, dstId });
      }
    }
    const had = new Map((await this.jobs.jobEdges(tx, process)).map((e) => [edgeKey(e), e]));
    const gone = [...had].filter(([k]) => !wanted.has(k)).map(([, e]) => e);
    const fresh = [...wanted].filter(([k]) => !had.has(k)).map(([, e]) => e);
    const inserted = await this.lineage.insertEdges(tx, fresh.map((e) => ({ ...e, process })));
    const removed = await this.lineage.deleteEdges(tx, await this.jobs.ownedByJobsAlone(tx, process, gone));
    await this.jobs.addJobEdges(tx, process, fresh);
    await this.jobs.removeJobEdges(tx, process, gone);
    await this.jobs.saveJob(tx, process, at, event.runId);
    if (inserted.length + removed.length === 0) return [];
    const names = await this.assets.namesByIds(tx, [...new Set([...inserted, ...removed].flatMap((e) => [e.srcId, e.dstId]))]);
    const named = (e: EdgeIds) => ({ from: names.get(e.srcId)!.qualifiedName, to: names.get(e.dstId)!.qualifiedName, process });
    return [...inserted.map((e) => edgeAdded(ctx, named(e))), ...removed.map((e) => edgeRemoved(ctx, named(e)))];
  }
}

const edgeKey = (e: EdgeIds) => `${e.srcId}:${e.dstId}`;
