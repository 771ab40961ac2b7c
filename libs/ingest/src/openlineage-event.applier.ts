import { createHash } from 'node:crypto';
import { AssetInput, AssetsService, edgeAdded, edgeRemoved, sameJson, WriteContext } from '@tributary/catalog';
import { LineageDataset, OPENLINEAGE_EVENT_FACT, OpenLineageEventFact } from '@tributary/connectors';
import {
  AssetsRepository, ChangeEventsRepository, ClaimedEdge, Database, EdgeClaimsRepository, EdgeIds, LineageRepository, NewChangeEvent, OpenLineageRepository, StoredColumnLineage, TenantTx,
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
    private readonly jobEdges = new EdgeClaimsRepository('openlineage_job_edges'),
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
      const { changes, stale } = await this.setJobEdges(ctx, tx, events, ids);
      await this.changes.append(tx, changes);
      const duplicates = stale;
      return { applied: events.length - duplicates, duplicates };
    });
  }

  /**
   * Creates the assets that are absent; sets `columns` where a schema facet says them, the newest by
   * eventTime winning (in the batch, and over what an earlier batch set: an older event delivered
   * late leaves newer columns alone). Returns every mapped dataset's asset id.
   */
  private async upsertAssets(ctx: WriteContext, tx: TenantTx, events: OpenLineageEventFact[]): Promise<Map<string, number>> {
    const datasets = new Map<string, { dataset: LineageDataset; at: Date | null }>();
    for (const e of events) {
      const at = new Date(e.eventTime);
      for (const d of [...e.inputs, ...e.outputs]) {
        if (d.qualifiedName === null) continue;
        // a mention without a schema keeps the schema an earlier one said; of two schemas, the newer (the later in the log on a tie)
        const before = datasets.get(d.qualifiedName);
        if (d.columns === null) {
          if (!before) datasets.set(d.qualifiedName, { dataset: d, at: null });
        } else if (!before?.at || before.at <= at) {
          datasets.set(d.qualifiedName, { dataset: d, at });
        }
      }
    }
    const existing = await this.assets.findLiveByNames(tx, [...datasets.keys()]);
    const stored = await this.jobs.schemaTimes(tx, [...existing.values()].map((a) => a.id));
    const inputs: AssetInput[] = [];
    const schemas: { qualifiedName: string; at: Date }[] = [];
    for (const [qualifiedName, { dataset: d, at }] of datasets) {
      const live = existing.get(qualifiedName);
      const storedAt = live ? stored.get(live.id) : undefined;
      const columns = at !== null && !(storedAt && storedAt > at) ? d.columns : null;
      if (columns !== null) schemas.push({ qualifiedName, at: at! });
      // a scheduled job's every run restates its outputs' schemas: most say what is stored already
      if (live && (columns === null || sameJson(live.attributes.columns, columns))) continue;
      inputs.push({ qualifiedName, typeName: live?.typeName ?? d.typeName, ...(live ? {} : { name: d.name }),
        ...(columns === null ? {} : { attributes: { columns } }) });
    }
    await this.assetsService.upsertIn(ctx, tx, inputs);
    const ids = await this.assets.idsByNames(tx, [...datasets.keys()]);
    await this.jobs.saveSchemaTimes(tx, schemas.map((x) => ({ assetId: ids.get(x.qualifiedName)!, eventTime: x.at })));
    return ids;
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

  /**
   * The jobs' edges after this batch's COMPLETEs, as change events, all jobs at once: per job, in log
   * order, each COMPLETE not older than the job's last replaces the job's edge set; what is written is
   * the net change from the stored set to the last one (a job's edges made and unmade within one batch
   * are never seen). `stale` counts the COMPLETEs that were older than their job's last.
   */
  private async setJobEdges(ctx: WriteContext, tx: TenantTx, events: OpenLineageEventFact[], ids: Map<string, number>):
    Promise<{ changes: NewChangeEvent[]; stale: number }> {
    const completes = events.filter((e) => e.completes && e.job !== null);
    const processes = [...new Set(completes.map((e) => e.job!.process))].sort();
    if (processes.length === 0) return { changes: [], stale: 0 };
    const last = await this.jobs.lockJobs(tx, processes);
    const final = new Map<string, { edges: Map<string, EdgeIds>; at: Date; runId: string | null }>();
    let stale = 0;
    for (const event of completes) {
      const process = event.job!.process;
      const at = new Date(event.eventTime);
      const latest = final.get(process)?.at ?? last.get(process)?.at;
      if (latest && at < latest) {
        stale += 1;
        continue;
      }
      final.set(process, { edges: edgesOf(event, ids), at, runId: event.runId });
    }
    // a job whose edges are the ones it set last time (a scheduled job's usual run) needs no comparison
    const digests = new Map([...final].map(([process, f]) => [process, edgesDigest(f.edges)]));
    const changed = [...final.keys()].filter((p) => digests.get(p) !== last.get(p)?.edgesDigest);
    const stored = new Map<string, Map<string, EdgeIds>>(changed.map((p) => [p, new Map()]));
    for (const e of await this.jobEdges.of(tx, changed.filter((p) => last.has(p)))) stored.get(e.process)!.set(edgeKey(e), e);
    const fresh: ClaimedEdge[] = [];
    const gone: ClaimedEdge[] = [];
    for (const process of changed) {
      const { edges } = final.get(process)!;
      const had = stored.get(process)!;
      for (const [k, e] of edges) if (!had.has(k)) fresh.push({ ...e, process });
      for (const [k, e] of had) if (!edges.has(k)) gone.push({ ...e, process });
    }
    const inserted = await this.lineage.insertEdges(tx, fresh);
    await this.jobEdges.add(tx, fresh);
    await this.jobEdges.remove(tx, gone);
    await this.jobs.saveJobs(tx, [...final].map(([process, f]) => ({ process, lastCompleteAt: f.at, runId: f.runId, edgesDigest: digests.get(process)! })));
    // an edge no job makes any more may still be a catalog process's: handed to it, not removed
    const removed = await this.lineage.release(tx, await this.jobs.unclaimed(tx, gone));
    if (inserted.length + removed.length === 0) return { changes: [], stale };
    const names = await this.assets.namesByIds(tx, [...new Set([...inserted, ...removed].flatMap((e) => [e.srcId, e.dstId]))]);
    const processOf = new Map([...fresh, ...gone].map((e) => [edgeKey(e), e.process]));
    const named = (e: EdgeIds) => ({ from: names.get(e.srcId)!.qualifiedName, to: names.get(e.dstId)!.qualifiedName, process: processOf.get(edgeKey(e)) });
    return { changes: [...inserted.map((e) => edgeAdded(ctx, named(e))), ...removed.map((e) => edgeRemoved(ctx, named(e)))], stale };
  }
}

/** A COMPLETE's edges: every mapped input to every mapped output. */
function edgesOf(event: OpenLineageEventFact, ids: Map<string, number>): Map<string, EdgeIds> {
  const edges = new Map<string, EdgeIds>();
  for (const input of event.inputs) {
    for (const output of event.outputs) {
      const srcId = input.qualifiedName === null ? undefined : ids.get(input.qualifiedName);
      const dstId = output.qualifiedName === null ? undefined : ids.get(output.qualifiedName);
      if (srcId !== undefined && dstId !== undefined && srcId !== dstId) edges.set(edgeKey({ srcId, dstId }), { srcId, dstId });
    }
  }
  return edges;
}

const edgeKey = (e: EdgeIds) => `${e.srcId}:${e.dstId}`;

/** The same for the same set of edges, whatever their order. */
function edgesDigest(edges: Map<string, EdgeIds>): string {
  return createHash('sha256').update([...edges.keys()].sort().join(',')).digest('base64url');
}
