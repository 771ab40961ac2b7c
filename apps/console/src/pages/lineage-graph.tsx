import { useEffect, useMemo, useState } from 'react';
import { Background, Controls, Edge, MiniMap, Node, ReactFlow, ReactFlowProvider, useReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { useQuery } from '@tanstack/react-query';
import { api, enc, explain, Lineage } from '../api';

// elk lays out in a web worker: a large graph's layout does not freeze the page, and elk's 1.5 MB are
// neither in the console's bundle nor parsed before a lineage graph is shown
const elk = new ELK({ workerFactory: () => new Worker(elkWorkerUrl) });
const NODE_W = 220;
const NODE_H = 36;
/** Above this many assets, nodes are placed by elk's simple strategy: balanced placement takes seconds there. */
const LARGE_GRAPH = 500;

/** The asset's lineage both ways to a chosen depth, laid out left to right (elkjs), with a tag's path highlighted. */
export function LineageGraph(props: { root: string; depth: number; pathFrom: string | null }) {
  return (
    <ReactFlowProvider>
      <Graph {...props} />
    </ReactFlowProvider>
  );
}

function Graph({ root, depth, pathFrom }: { root: string; depth: number; pathFrom: string | null }) {
  const down = useQuery({ queryKey: ['lineage', root, 'downstream', depth],
    queryFn: () => api<Lineage>(`/v1/lineage/${enc(root)}?direction=downstream&depth=${depth}`) });
  const up = useQuery({ queryKey: ['lineage', root, 'upstream', depth],
    queryFn: () => api<Lineage>(`/v1/lineage/${enc(root)}?direction=upstream&depth=${depth}`) });
  const [laid, setLaid] = useState<{ nodes: Node[]; edges: Edge[] } | null>(null);
  const [find, setFind] = useState('');
  const flow = useReactFlow();

  const graph = useMemo(() => {
    if (!down.data || !up.data) return null;
    const nodes = new Map<string, { id: string; typeName: string; side: 'root' | 'up' | 'down'; depth: number }>();
    nodes.set(root, { id: root, typeName: '', side: 'root', depth: 0 });
    for (const n of up.data.nodes) if (n.qualifiedName !== root) nodes.set(n.qualifiedName, { id: n.qualifiedName, typeName: n.typeName, side: 'up', depth: n.depth });
    for (const n of down.data.nodes) if (!nodes.has(n.qualifiedName)) nodes.set(n.qualifiedName, { id: n.qualifiedName, typeName: n.typeName, side: 'down', depth: n.depth });
    const edges = new Map([...up.data.edges, ...down.data.edges].map((e) => [`${e.from}→${e.to}`, e]));
    return { nodes: [...nodes.values()], edges: [...edges.values()], onPath: pathNodes(pathFrom, root, up.data.edges) };
  }, [down.data, up.data, root, pathFrom]);

  useEffect(() => {
    if (!graph) return;
    let cancelled = false;
    void elk.layout({
      id: 'lineage',
      layoutOptions: {
        'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.spacing.nodeNodeBetweenLayers': '60', 'elk.spacing.nodeNode': '14',
        // React Flow draws the edges itself and reads only the node positions: the cheapest routing will do
        // (orthogonal routing was most of the 5.5 s a 2,000-node graph took to lay out)
        'elk.edgeRouting': 'POLYLINE',
        ...(graph.nodes.length > LARGE_GRAPH ? { 'elk.layered.nodePlacement.strategy': 'SIMPLE' } : {}),
      },
      children: graph.nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
      edges: graph.edges.map((e) => ({ id: `${e.from}→${e.to}`, sources: [e.from], targets: [e.to] })),
    }).then((layout) => {
      if (cancelled) return;
      const at = new Map((layout.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
      setLaid({
        nodes: graph.nodes.map((n) => ({
          id: n.id, position: at.get(n.id) ?? { x: 0, y: 0 }, data: { label: n.id },
          ariaLabel: `${n.id}${n.side === 'root' ? ' (this asset)' : `, ${n.depth} ${n.depth === 1 ? 'hop' : 'hops'} ${n.side}stream`}`,
          className: ['lineage-node', `side-${n.side}`, graph.onPath.has(n.id) ? 'on-path' : ''].join(' '),
          style: { width: NODE_W }, sourcePosition: 'right' as never, targetPosition: 'left' as never,
        })),
        edges: graph.edges.map((e) => ({ id: `${e.from}→${e.to}`, source: e.from, target: e.to,
          className: graph.onPath.has(e.from) && graph.onPath.has(e.to) ? 'on-path' : undefined,
          animated: graph.onPath.has(e.from) && graph.onPath.has(e.to) })),
      });
    });
    return () => { cancelled = true; };
  }, [graph]);

  const error = down.error ?? up.error;
  if (error) return <p role="alert" className="error">{explain(error)}</p>;
  if (!laid) return <p>Laying out the lineage…</p>;

  function locate(e: React.FormEvent) {
    e.preventDefault();
    const hit = laid!.nodes.find((n) => n.id.toLowerCase().includes(find.trim().toLowerCase()));
    if (hit) void flow.fitView({ nodes: [{ id: hit.id }], duration: 300, maxZoom: 1.2 });
  }

  return (
    <div className="lineage">
      <form className="filters" role="search" aria-label="Find in the lineage graph" onSubmit={locate}>
        <label>Find an asset in the graph <input value={find} onChange={(e) => setFind(e.target.value)} /></label>
        <button type="submit">Find</button>
        <span data-testid="lineage-count">{laid.nodes.length} assets, {laid.edges.length} edges</span>
      </form>
      <div className="lineage-canvas" data-testid="lineage-canvas">
        <ReactFlow nodes={laid.nodes} edges={laid.edges} fitView minZoom={0.02} onlyRenderVisibleElements nodesDraggable={false} nodesConnectable={false}>
          <Background />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable ariaLabel="Overview of the lineage graph" />
        </ReactFlow>
      </div>
    </div>
  );
}

/**
 * The assets on some path from `from` to `root` in the upstream graph (every node there reaches the
 * root): those reachable from `from` going downstream, with both ends; empty without `from`.
 */
function pathNodes(from: string | null, root: string, upstreamEdges: { from: string; to: string }[]): Set<string> {
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
