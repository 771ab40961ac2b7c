/**
 * The reference model of tag propagation (the built-in rule `tag-propagation`), as plain data and
 * pure functions: what the catalog holds after each API write, and the propagated tags that must
 * follow from it once the propagator has settled. No I/O, no ordering: the expected result depends
 * on the current state only, which is the property the engine promises.
 */

/** Hops a propagation reaches downstream (the rule's maxDepth). */
export const MAX_DEPTH = 50;

export interface CatalogState {
  /** Every asset ever created, live or deleted, in creation order. */
  readonly assets: readonly string[];
  readonly deleted: ReadonlySet<string>;
  /** Lineage edges `from -> to`, both ends live (deleting an asset removes its edges). */
  readonly edges: readonly Edge[];
  /** Direct tags per asset, name -> propagate; a soft-deleted asset keeps them (hidden) until it is created again, without them. */
  readonly directTags: ReadonlyMap<string, ReadonlyMap<string, boolean>>;
}

export interface Edge {
  readonly from: string;
  readonly to: string;
}

/** One propagated tag: `name` on `asset`, propagated from `from`, at the shortest distance. */
export interface PropagatedTag {
  readonly asset: string;
  readonly name: string;
  readonly from: string;
  readonly depth: number;
}

export function emptyCatalog(): CatalogState {
  return { assets: [], deleted: new Set(), edges: [], directTags: new Map() };
}

export const isLive = (s: CatalogState, asset: string) => s.assets.includes(asset) && !s.deleted.has(asset);
export const liveAssets = (s: CatalogState) => s.assets.filter((a) => !s.deleted.has(a));
export const deletedAssets = (s: CatalogState) => s.assets.filter((a) => s.deleted.has(a));
export const hasEdge = (s: CatalogState, from: string, to: string) => s.edges.some((e) => e.from === from && e.to === to);
/** The asset's direct tags, by name. */
export const tagsOf = (s: CatalogState, asset: string): { name: string; propagate: boolean }[] =>
  [...(s.directTags.get(asset) ?? [])].map(([name, propagate]) => ({ name, propagate })).sort((a, b) => cmp(a.name, b.name));
/** The names of the asset's direct tags with propagate=true: what it is a source of. */
export const sourceTagsOf = (s: CatalogState, asset: string): string[] => tagsOf(s, asset).filter((t) => t.propagate).map((t) => t.name);

// --- the catalog's writes (what the API does to the state) ---

/** PUT /v1/assets: creates the asset, or creates a soft-deleted one again: a new life, without its old direct tags or edges. */
export function upsertAsset(s: CatalogState, asset: string): CatalogState {
  if (isLive(s, asset)) return s;
  const deleted = new Set(s.deleted);
  deleted.delete(asset);
  const directTags = new Map(s.directTags);
  directTags.delete(asset);
  return { ...s, assets: s.assets.includes(asset) ? s.assets : [...s.assets, asset], deleted, directTags };
}

/** DELETE /v1/assets/{qn}: soft delete; its edges go, its direct tags stay (hidden while deleted). */
export function deleteAsset(s: CatalogState, asset: string): CatalogState {
  return { ...s, deleted: new Set([...s.deleted, asset]), edges: s.edges.filter((e) => e.from !== asset && e.to !== asset) };
}

/** Adds a direct tag, or changes its propagate flag. */
export function addTag(s: CatalogState, asset: string, name: string, propagate = true): CatalogState {
  const directTags = new Map(s.directTags);
  directTags.set(asset, new Map([...(s.directTags.get(asset) ?? []), [name, propagate]]));
  return { ...s, directTags };
}

export function removeTag(s: CatalogState, asset: string, name: string): CatalogState {
  const directTags = new Map(s.directTags);
  directTags.set(asset, new Map([...(s.directTags.get(asset) ?? [])].filter(([n]) => n !== name)));
  return { ...s, directTags };
}

export function addEdge(s: CatalogState, from: string, to: string): CatalogState {
  return hasEdge(s, from, to) ? s : { ...s, edges: [...s.edges, { from, to }] };
}

export function removeEdge(s: CatalogState, from: string, to: string): CatalogState {
  return { ...s, edges: s.edges.filter((e) => e.from !== from || e.to !== to) };
}

// --- the closure ---

/**
 * Every asset reachable downstream from `source` through live assets, excluding the source itself,
 * each at its shortest distance, up to MAX_DEPTH hops (breadth-first, so cycles and diamonds end).
 */
export function downstream(s: CatalogState, source: string, maxDepth = MAX_DEPTH): Map<string, number> {
  const next = new Map<string, string[]>();
  for (const e of s.edges) {
    if (!isLive(s, e.from) || !isLive(s, e.to)) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const depth = new Map<string, number>();
  const seen = new Set([source]);
  let frontier = [source];
  for (let d = 1; d <= maxDepth && frontier.length > 0; d++) {
    const reached: string[] = [];
    for (const a of frontier) {
      for (const b of next.get(a) ?? []) {
        if (seen.has(b)) continue;
        seen.add(b);
        depth.set(b, d);
        reached.push(b);
      }
    }
    frontier = reached;
  }
  return depth;
}

/**
 * The propagated tags the store must hold: for each live source with a direct tag with
 * propagate=true, one entry per
 * asset downstream of it (so the same tag from two sources is two entries, and a propagated tag sits
 * beside a direct one of the same name). Sorted by asset, name, source.
 */
export function expectedPropagations(s: CatalogState): PropagatedTag[] {
  const out: PropagatedTag[] = [];
  for (const source of liveAssets(s)) {
    const names = sourceTagsOf(s, source);
    if (names.length === 0) continue;
    for (const [asset, depth] of downstream(s, source)) {
      for (const name of names) out.push({ asset, name, from: source, depth });
    }
  }
  return out.sort(comparePropagated);
}

export function comparePropagated(a: PropagatedTag, b: PropagatedTag): number {
  return cmp(a.asset, b.asset) || cmp(a.name, b.name) || cmp(a.from, b.from) || a.depth - b.depth;
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
