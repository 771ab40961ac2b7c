import type { Lineage } from '../api';

export type Health = NonNullable<Lineage['rootHealth']>;
export type Side = 'root' | 'up' | 'down';

export interface LineageNode {
  id: string;
  typeName: string;
  side: Side;
  /** hops from the root on its side (0 for the root) */
  depth: number;
  health: Health | undefined;
}

export interface LineageModel {
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
  /** the largest depth of any node, either side */
  deepest: number;
}

/**
 * The asset's upstream and downstream answers as one graph. An asset reached both ways (a cycle
 * through the root) is drawn once, upstream; an edge in both answers once.
 */
export function mergeLineage(root: string, up: Lineage, down: Lineage): LineageModel {
  const nodes = new Map<string, LineageNode>();
  nodes.set(root, { id: root, typeName: '', side: 'root', depth: 0, health: up.rootHealth ?? down.rootHealth });
  for (const n of up.nodes) if (n.qualifiedName !== root) nodes.set(n.qualifiedName, { id: n.qualifiedName, typeName: n.typeName, side: 'up', depth: n.depth, health: n.health });
  for (const n of down.nodes) if (!nodes.has(n.qualifiedName)) nodes.set(n.qualifiedName, { id: n.qualifiedName, typeName: n.typeName, side: 'down', depth: n.depth, health: n.health });
  const edges = new Map([...up.edges, ...down.edges].map((e) => [`${e.from}\u0000${e.to}`, e]));
  let deepest = 0;
  for (const n of nodes.values()) deepest = Math.max(deepest, n.depth);
  return { nodes: [...nodes.values()], edges: [...edges.values()], deepest };
}

/** A stand-in for the assets hidden beyond a node that is shown: "+N", which expands them. */
export interface HiddenBranch {
  /** the node shown, the last before the hidden ones */
  from: LineageNode;
  /** the hidden assets' qualified names */
  hidden: string[];
}

export interface CollapsedLineage {
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
  branches: HiddenBranch[];
  hidden: number;
}

/**
 * The graph with the nodes deeper than `showDepth` hidden, except the branches beyond the nodes in
 * `expanded`, which are shown whole. Each node shown with hidden nodes one hop further out on its
 * side (downstream of a downstream node, upstream of an upstream one) gets one HiddenBranch counting
 * every hidden node reached through hidden nodes from it; branches that meet are counted in each.
 */
export function collapseLineage(model: LineageModel, showDepth: number, expanded: ReadonlySet<string>): CollapsedLineage {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  // one hop further out: one deeper, on the side the edge leads to (the root leads both ways)
  const outward = new Map<string, LineageNode[]>();
  const link = (inner: LineageNode | undefined, outer: LineageNode | undefined, side: Side) => {
    if (!inner || !outer || outer.side !== side || outer.depth !== inner.depth + 1) return;
    if (inner.side !== side && inner.side !== 'root') return;
    const list = outward.get(inner.id);
    if (list) list.push(outer); else outward.set(inner.id, [outer]);
  };
  for (const e of model.edges) {
    link(byId.get(e.from), byId.get(e.to), 'down');
    link(byId.get(e.to), byId.get(e.from), 'up');
  }

  const shown = new Set(model.nodes.filter((n) => n.depth <= showDepth).map((n) => n.id));
  const beyond = (from: string): Set<string> => {
    const found = new Set<string>();
    const queue = [from];
    while (queue.length > 0) {
      for (const next of outward.get(queue.pop()!) ?? []) {
        if (!shown.has(next.id) && !found.has(next.id)) { found.add(next.id); queue.push(next.id); }
      }
    }
    return found;
  };
  // a node expanded while shown brings its branch in; one that a smaller depth hides again stays hidden
  for (const id of [...expanded].filter((x) => shown.has(x))) for (const revealed of beyond(id)) shown.add(revealed);

  const nodes = model.nodes.filter((n) => shown.has(n.id));
  const branches = nodes.map((from) => ({ from, hidden: [...beyond(from.id)] })).filter((b) => b.hidden.length > 0);
  return {
    nodes,
    edges: model.edges.filter((e) => shown.has(e.from) && shown.has(e.to)),
    branches,
    hidden: model.nodes.length - nodes.length,
  };
}

/**
 * The assets on some path from `from` to `root` in the upstream graph (every node there reaches the
 * root): those reachable from `from` going downstream, with both ends; empty without `from`.
 */
export function pathNodes(from: string | null, root: string, upstreamEdges: { from: string; to: string }[]): Set<string> {
  if (!from) return new Set();
  const next = new Map<string, string[]>();
  for (const e of upstreamEdges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    for (const to of next.get(queue.shift()!) ?? []) {
      if (!seen.has(to)) { seen.add(to); queue.push(to); }
    }
  }
  return seen.has(root) ? seen : new Set();
}
