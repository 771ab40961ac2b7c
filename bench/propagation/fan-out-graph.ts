import { LineageGraph } from '../catalog/lineage-graph';
import { Random } from '../support/random';

export interface FanOutShape {
  /** Assets below the root, every one of them downstream of it. */
  descendants: number;
  /** The levels below the root: no descendant lies deeper than this. */
  levels: number;
  /** Each asset has between 1 and this many parents. */
  maxParents: number;
  seed: number;
}

/**
 * Of the parents beyond an asset's first, the share that skip a level (two levels up instead of
 * one). Each is a shortcut beside a longer path, so shortest depths differ from levels; kept rare so
 * that the descendants stay spread over most of the levels (a deep fan-out is the hard case).
 */
const SKIP_SHARE = 0.005;

/**
 * A DAG of one root and its descendants, in the catalog suite's `LineageGraph` form so that its
 * loader and breadth-first expectation apply: the root alone on level 0, the descendants spread
 * evenly over the levels below, and each with a first parent on the level just above (so it is
 * reachable within its level's number of hops) plus up to `maxParents - 1` more on earlier levels.
 * Most extra parents share ancestors with the first: diamonds, which a propagation must not count
 * twice.
 */
export function generateFanOutGraph(shape: FanOutShape): LineageGraph {
  const random = new Random(shape.seed);
  const assets: LineageGraph['assets'] = [asset('SOURCE', 0, 'Table')];
  const edges: LineageGraph['edges'] = [];
  const levels: number[][] = [[0]];
  let skipEdges = 0;
  for (let level = 1; level <= shape.levels; level++) {
    const size = Math.floor((shape.descendants * level) / shape.levels) - Math.floor((shape.descendants * (level - 1)) / shape.levels);
    const members: number[] = [];
    for (let i = 0; i < size; i++) {
      const index = assets.length;
      const typeName = level === shape.levels ? 'Dashboard' : index % 4 === 0 ? 'View' : 'Table';
      assets.push(asset(`${typeName.toUpperCase()}_${index}`, level, typeName));
      const parents = new Set([random.pick(levels[level - 1])]);
      for (let extra = random.int(1, shape.maxParents) - 1; extra > 0; extra--) {
        const skip = level > 1 && random.next() < SKIP_SHARE;
        // A parent picked twice is one edge: the asset then has fewer parents, never a duplicate edge.
        const parent = random.pick(levels[level - (skip ? 2 : 1)]);
        if (!parents.has(parent) && skip) skipEdges++;
        parents.add(parent);
      }
      for (const parent of parents) edges.push([parent, index]);
      members.push(index);
    }
    levels.push(members);
  }
  return { assets, edges, root: 0, skipEdges, backEdges: 0, crossEdges: 0, components: 1 };
}

function asset(name: string, level: number, typeName: string): LineageGraph['assets'][number] {
  return {
    qualifiedName: `snowflake/acme/FANOUT/L${String(level).padStart(2, '0')}/${name}`,
    typeName,
    attributes: { description: `generated ${typeName.toLowerCase()} on level ${level}` },
  };
}
