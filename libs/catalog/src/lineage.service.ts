import { invalid } from '@tributary/errors';
import {
  AssetsRepository, AuditRepository, ChangeEventsRepository, Database, Direction, EdgeIds, HealthStatus, LineageRepository, TenantTx,
} from '@tributary/store';
import { assetNotFound } from './assets.service';
import { changeEvent } from './change-event.factory';
import { ReadContext, WriteContext } from './write-context';

export interface EdgeInput {
  from: string;
  to: string;
  process?: string;
}

export interface LineageGraph {
  root: string;
  /** only when asked for (`health: true`) */
  rootHealth?: HealthStatus;
  /** `health` only when asked for */
  nodes: { qualifiedName: string; typeName: string; depth: number; health?: HealthStatus }[];
  edges: { from: string; to: string }[];
}

export interface LineageGraphOptions {
  /** each node's and the root's health: one more query over every node, so only for those who show it */
  health: boolean;
}

export class LineageService {
  constructor(
    private readonly database: Database,
    private readonly assets = new AssetsRepository(),
    private readonly lineage = new LineageRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  /** Adds edges between existing assets; all or nothing. Edges already present are counted, not rewritten. */
  async add(ctx: WriteContext, edges: EdgeInput[]): Promise<{ added: number; existing: number }> {
    const selfEdges = edges.filter((e) => e.from === e.to);
    if (selfEdges.length > 0) {
      throw invalid('self_edge', 'an edge must join two different assets', { qualifiedNames: selfEdges.slice(0, 20).map((e) => e.from) });
    }
    const unique = dedupe(edges);
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const ids = await this.resolve(tx, unique);
      const inserted = await this.lineage.insertEdges(tx, unique.map((e) => ({
        srcId: ids.get(e.from)!, dstId: ids.get(e.to)!, process: e.process ?? null })));
      const byIds = new Map(unique.map((e) => [key({ srcId: ids.get(e.from)!, dstId: ids.get(e.to)! }), e]));
      const events = inserted.map((x) => {
        return edgeAdded(ctx, byIds.get(key(x))!);
      });
      if (events.length > 0) {
        await this.audit.record(tx, { actor: ctx.actor, action: 'lineage.add', subject: null,
          details: { added: events.length, origin: ctx.origin } });
      }
      await this.changes.append(tx, events);
      return { added: inserted.length, existing: unique.length - inserted.length };
    });
  }

  async remove(ctx: WriteContext, edges: EdgeInput[]): Promise<{ removed: number; missing: number }> {
    const unique = dedupe(edges);
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const ids = await this.resolve(tx, unique);
      const byIds = new Map(unique.map((e) => [key({ srcId: ids.get(e.from)!, dstId: ids.get(e.to)! }), e]));
      const removed = await this.lineage.deleteEdges(tx, [...byIds.keys()].map(unkey));
      const events = removed.map((x) => {
        return edgeRemoved(ctx, byIds.get(key(x))!);
      });
      if (events.length > 0) {
        await this.audit.record(tx, { actor: ctx.actor, action: 'lineage.remove', subject: null,
          details: { removed: events.length, origin: ctx.origin } });
      }
      await this.changes.append(tx, events);
      return { removed: removed.length, missing: unique.length - removed.length };
    });
  }

  async graph(ctx: ReadContext, root: string, direction: Direction, depth: number,
    options: LineageGraphOptions = { health: false }): Promise<LineageGraph> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const asset = await this.assets.findLive(tx, root);
      if (!asset) throw assetNotFound(root);
      const reached = await this.lineage.walk(tx, [asset.id], direction, depth);
      const ids = [asset.id, ...reached.map((r) => r.id)];
      // one transaction, one connection: the queries run one after the other
      const rows = await this.assets.namesByIds(tx, ids);
      const edges = await this.lineage.edgesAmong(tx, ids);
      const health = options.health ? await this.assets.healthByIds(tx, ids) : null;
      // Each query sees the commits made before it: an asset deleted after the walk has no health
      // (only live assets have one) and is left out with its edges, as the next read would leave it.
      const kept = (id: number) => !health || health.has(id);
      if (!kept(asset.id)) throw assetNotFound(root);
      const qn = (id: number) => rows.get(id)!.qualifiedName;
      return {
        root,
        ...(health ? { rootHealth: health.get(asset.id)!.status } : {}),
        nodes: reached.filter((r) => kept(r.id))
          .map((r) => ({ qualifiedName: qn(r.id), typeName: rows.get(r.id)!.typeName, depth: r.depth,
            ...(health ? { health: health.get(r.id)!.status } : {}) }))
          .sort((a, b) => a.depth - b.depth || (a.qualifiedName < b.qualifiedName ? -1 : 1)),
        edges: edges.filter((e) => kept(e.srcId) && kept(e.dstId)).map((e) => ({ from: qn(e.srcId), to: qn(e.dstId) })),
      };
    });
  }

  /** Maps every endpoint to its live asset id; unknown names fail the request with 422, naming them. */
  private async resolve(tx: TenantTx, edges: EdgeInput[]): Promise<Map<string, number>> {
    const names = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
    const found = await this.assets.findLiveByNames(tx, names);
    const unknown = names.filter((n) => !found.has(n));
    if (unknown.length > 0) {
      throw invalid('unknown_assets', `${unknown.length} edge endpoint(s) name no asset in this tenant; create them first`,
        { qualifiedNames: unknown.slice(0, 100) });
    }
    return new Map([...found].map(([n, a]) => [n, a.id]));
  }
}

/** The change events of an edge drawn and an edge removed, whoever draws or removes it (the API, an OpenLineage job). */
export const edgeAdded = (ctx: WriteContext, e: EdgeInput) =>
  changeEvent(ctx, 'lineage.edge.added', e.from, { before: null, after: { from: e.from, to: e.to, process: e.process ?? null } });
export const edgeRemoved = (ctx: WriteContext, e: EdgeInput) =>
  changeEvent(ctx, 'lineage.edge.removed', e.from, { before: { from: e.from, to: e.to }, after: null });

function dedupe(edges: EdgeInput[]): EdgeInput[] {
  const seen = new Map<string, EdgeInput>();
  for (const e of edges) if (!seen.has(`${e.from}\u0000${e.to}`)) seen.set(`${e.from}\u0000${e.to}`, e);
  return [...seen.values()];
}

const key = (e: EdgeIds) => `${e.srcId}:${e.dstId}`;
const unkey = (k: string): EdgeIds => {
  const [srcId, dstId] = k.split(':').map(Number);
  return { srcId, dstId };
};
