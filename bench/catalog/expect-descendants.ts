import { descendantsOf, LineageGraph } from './lineage-graph';

/** What a downstream walk from the graph's root must answer, computed in memory. */
export interface ExpectedDescendants {
  /** qualified name -> shortest depth from the root */
  depths: Map<string, number>;
  /** Edges with both ends among the root and its descendants: what GET /v1/lineage returns. */
  edgesAmong: number;
  maxDepth: number;
}

export function expectedDescendants(graph: LineageGraph): ExpectedDescendants {
  const byIndex = descendantsOf(graph, graph.root);
  const inSubgraph = (i: number) => i === graph.root || byIndex.has(i);
  return {
    depths: new Map([...byIndex].map(([i, depth]) => [graph.assets[i].qualifiedName, depth])),
    edgesAmong: graph.edges.filter(([from, to]) => inSubgraph(from) && inSubgraph(to)).length,
    maxDepth: Math.max(...byIndex.values()),
  };
}

/**
 * Fails loudly unless `actual` (qualified name -> depth, as an answer reported it) is exactly the
 * expected downstream set at the expected shortest depths: a fast wrong answer is not a result.
 */
export function expectDescendants(answeredBy: string, actual: Map<string, number>, expected: Map<string, number>): void {
  const missing = [...expected.keys()].filter((name) => !actual.has(name));
  const unexpected = [...actual.keys()].filter((name) => !expected.has(name));
  const wrongDepth = [...expected].filter(([name, depth]) => actual.has(name) && actual.get(name) !== depth);
  if (missing.length + unexpected.length + wrongDepth.length === 0) return;
  throw new Error(`${answeredBy} answered ${actual.size} descendants, expected ${expected.size}: `
    + `${missing.length} missing (e.g. ${missing.slice(0, 3).join(', ')}), `
    + `${unexpected.length} unexpected (e.g. ${unexpected.slice(0, 3).join(', ')}), `
    + `${wrongDepth.length} at a wrong depth (e.g. ${wrongDepth.slice(0, 3).map(([n, d]) => `${n}: ${actual.get(n)} instead of ${d}`).join(', ')})`);
}
