import { Random } from '../support/random';

export interface GraphShape {
  assets: number;
  edges: number;
  /** Exactly this many distinct assets lie downstream of the root. */
  rootDescendants: number;
  /** The root's downstream assets are spread over this many levels below it (so within this depth). */
  rootLevels: number;
  seed: number;
}

export interface GeneratedAsset {
  qualifiedName: string;
  typeName: string;
  attributes: Record<string, unknown>;
}

export interface LineageGraph {
  /** The asset at index i is node i of the edges. */
  assets: GeneratedAsset[];
  edges: [from: number, to: number][];
  root: number;
  /** Edges that jump over one level or more: a shortcut beside a longer path. */
  skipEdges: number;
  /** Edges pointing back to a shallower level, each closing a cycle. */
  backEdges: number;
  /** Edges from one component into another (never out of the root's component). */
  crossEdges: number;
  components: number;
}

/**
 * Parents per asset, on average, in the root's component. Three makes most assets reachable by
 * several paths: the diamonds that make a naive recursive walk explode.
 */
const ROOT_COMPONENT_IN_DEGREE = 3;
/**
 * Of the edges added beside each asset's first parent, the share that skip levels, and by how many.
 * Every skip is a shortcut that pulls the levels below it closer to the root, so the root's
 * component has few, short ones: its descendants stay spread over most of its levels (a deep walk is
 * the hard case). Elsewhere skips are common, as when a dashboard reads a raw table directly.
 */
const ROOT_COMPONENT_SKIPS: Skips = { share: 0.01, maxSpan: 2 };
const OTHER_COMPONENT_SKIPS: Skips = { share: 0.15, maxSpan: 5 };
/** Share of all edges that join different components (a mart reading another team's tables). */
const CROSS_EDGE_SHARE = 0.02;
/** Sizes of the other components, in assets; and their number of levels. */
const OTHER_COMPONENT_ASSETS = [500, 3000] as const;
const OTHER_COMPONENT_LEVELS = [4, 16] as const;

/** An edge as one number (both ends are below 2^20), for the duplicate check. */
const EDGE_KEY_BASE = 2 ** 20;

interface Skips {
  share: number;
  maxSpan: number;
}

interface Component {
  /** Asset indices by level; level 0 holds the sources. */
  levels: number[][];
}

/**
 * Generates a lineage graph of the given size made of layered components, like pipelines from raw
 * tables to dashboards. The root's component holds the root alone on level 0 and its descendants on
 * the levels below; no edge leaves that component, so the root's downstream set is exactly that
 * component. Every component has diamonds, skip edges and one back edge (a cycle). Other components
 * feed into each other and into the root's component, which gives the root's descendants upstream
 * lineage that a downstream walk must not follow.
 */
export function generateLineageGraph(shape: GraphShape): LineageGraph {
  if (shape.assets >= EDGE_KEY_BASE) throw new Error(`at most ${EDGE_KEY_BASE - 1} assets`);
  const g = new GraphBuilder(new Random(shape.seed));
  const rootComponent = g.addComponent('RAW', [1, ...spread(shape.rootDescendants, shape.rootLevels)]);
  g.addInComponentEdges([rootComponent], ROOT_COMPONENT_IN_DEGREE * shape.rootDescendants - g.edges.length, ROOT_COMPONENT_SKIPS);
  const others: Component[] = [];
  for (let remaining = shape.assets - g.assets.length; remaining > 0;) {
    let size = Math.min(remaining, g.random.int(...OTHER_COMPONENT_ASSETS));
    if (remaining - size < OTHER_COMPONENT_ASSETS[0]) size = remaining;
    const levels = g.random.int(...OTHER_COMPONENT_LEVELS);
    others.push(g.addComponent(`DOMAIN_${String(others.length + 1).padStart(3, '0')}`, spread(size, levels)));
    remaining -= size;
  }

  const crossEdges = Math.round(shape.edges * CROSS_EDGE_SHARE);
  g.addInComponentEdges(others, shape.edges - crossEdges - g.edges.length, OTHER_COMPONENT_SKIPS);
  g.addCrossEdges(others.flatMap((c) => c.levels.flat()), crossEdges);
  if (g.edges.length !== shape.edges) throw new Error(`generated ${g.edges.length} edges, not ${shape.edges}`);

  return {
    assets: g.assets, edges: g.edges, root: rootComponent.levels[0][0], skipEdges: g.skipEdges, backEdges: g.backEdges,
    crossEdges, components: 1 + others.length,
  };
}

/** Every asset downstream of `root`, by index, at its shortest distance (breadth-first). */
export function descendantsOf(graph: LineageGraph, root: number): Map<number, number> {
  const children = adjacency(graph);
  const depth = new Map<number, number>([[root, 0]]);
  for (let frontier = [root], d = 1; frontier.length > 0; d++) {
    const next: number[] = [];
    for (const node of frontier) {
      for (const child of children[node]) {
        if (!depth.has(child)) {
          depth.set(child, d);
          next.push(child);
        }
      }
    }
    frontier = next;
  }
  depth.delete(root);
  return depth;
}

function adjacency(graph: LineageGraph): number[][] {
  const children: number[][] = graph.assets.map(() => []);
  for (const [from, to] of graph.edges) children[from].push(to);
  return children;
}

/** `total` split into `parts` near-equal positive sizes. */
function spread(total: number, parts: number): number[] {
  if (total < parts) throw new Error(`cannot spread ${total} assets over ${parts} levels`);
  return Array.from({ length: parts }, (_, i) => Math.floor((total * (i + 1)) / parts) - Math.floor((total * i) / parts));
}

class GraphBuilder {
  readonly assets: GeneratedAsset[] = [];
  readonly edges: [number, number][] = [];
  skipEdges = 0;
  backEdges = 0;
  private readonly edgeKeys = new Set<number>();
  private readonly levelOf: number[] = [];
  private readonly componentOf: Component[] = [];

  constructor(readonly random: Random) {}

  /**
   * Adds a component's assets, level by level, with one parent on the level above for every asset
   * below level 0 (so each is reachable from level 0 in at most its level's number of hops), and one
   * back edge from the deepest level to an ancestor on level 1, closing a cycle.
   */
  addComponent(name: string, levelSizes: number[]): Component {
    const component: Component = { levels: [] };
    const treeParent = new Map<number, number>();
    levelSizes.forEach((size, level) => {
      const members: number[] = [];
      for (let i = 0; i < size; i++) {
        const index = this.addAsset(component, name, level, level === levelSizes.length - 1);
        members.push(index);
        if (level > 0) {
          const parent = this.random.pick(component.levels[level - 1]);
          this.addEdge(parent, index);
          treeParent.set(index, parent);
        }
      }
      component.levels.push(members);
    });
    let ancestor = this.random.pick(component.levels[component.levels.length - 1]);
    const deepest = ancestor;
    while (this.levelOf[ancestor] > 1) ancestor = treeParent.get(ancestor)!;
    this.addEdge(deepest, ancestor);
    this.backEdges++;
    return component;
  }

  /** Adds `count` more edges inside the given components, each into a random asset below level 0. */
  addInComponentEdges(components: Component[], count: number, skips: Skips): void {
    const targets = components.flatMap((c) => c.levels.slice(1).flat());
    for (let added = 0; added < count;) {
      const to = this.random.pick(targets);
      const level = this.levelOf[to];
      const skip = level > 1 && this.random.next() < skips.share;
      const span = skip ? this.random.int(2, Math.min(level, skips.maxSpan)) : 1;
      if (this.addEdge(this.random.pick(this.componentOf[to].levels[level - span]), to)) {
        added++;
        if (skip) this.skipEdges++;
      }
    }
  }

  /** Adds `count` edges from the given sources to assets of any other component. */
  addCrossEdges(sources: number[], count: number): void {
    for (let added = 0; added < count;) {
      const from = this.random.pick(sources);
      const to = this.random.int(0, this.assets.length - 1);
      if (this.componentOf[from] !== this.componentOf[to] && this.addEdge(from, to)) added++;
    }
  }

  private addAsset(component: Component, componentName: string, level: number, onLastLevel: boolean): number {
    const index = this.assets.length;
    const typeName = onLastLevel && level > 0 ? 'Dashboard' : level > 0 && index % 4 === 0 ? 'View' : 'Table';
    this.assets.push({
      qualifiedName: `snowflake/acme/${componentName}/L${String(level).padStart(2, '0')}/${typeName.toUpperCase()}_${index}`,
      typeName,
      attributes: { description: `generated ${typeName.toLowerCase()} ${index}`, owner: `team-${index % 17}`,
        rowCount: this.random.int(0, 10_000_000) },
    });
    this.levelOf.push(level);
    this.componentOf.push(component);
    return index;
  }

  private addEdge(from: number, to: number): boolean {
    const key = from * EDGE_KEY_BASE + to;
    if (from === to || this.edgeKeys.has(key)) return false;
    this.edgeKeys.add(key);
    this.edges.push([from, to]);
    return true;
  }
}
