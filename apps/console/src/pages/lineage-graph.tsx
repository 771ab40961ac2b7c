import { useEffect, useMemo, useState } from 'react';
import {
  Background, Controls, Edge, Handle, MiniMap, Node, NodeProps, NodeTypes, Position, ReactFlow, ReactFlowProvider, useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, enc, explain, Lineage } from '../api';
import { columnLayout } from './lineage-columns';
import { LineageLegend } from './lineage-legend';
import { collapseLineage, CollapsedLineage, Health, HiddenBranch, LineageNode, mergeLineage, pathNodes } from './lineage-model';

// elk lays out in a web worker: a large graph's layout does not freeze the page, and elk's 1.5 MB are
// neither in the console's bundle nor parsed before a lineage graph is shown. The worker starts with the
// first small graph: a large one is drawn in columns, and its page does not compile elk meanwhile.
let elkWorker: InstanceType<typeof ELK> | null = null;
const elk = () => (elkWorker ??= new ELK({ workerFactory: () => new Worker(elkWorkerUrl) }));
const NODE_W = 220;
const NODE_H = 36;
const MORE_W = 90;
/**
 * Above this many drawn nodes, nodes go in columns by depth (lineage-columns.ts) instead of elk's
 * layered layout, which took about 3 s for 2,000 nodes, past issue #16's 2 s for the whole page.
 */
const ELK_LIMIT = 300;
const MINIMAP_COLOURS: Record<Health | 'none', string> = { healthy: '#2b8a3e', warning: '#9a6700', critical: '#a4161a', none: '#6b7785' };

type AssetData = { label: React.ReactNode; health: Health | undefined };
type MoreData = { count: number; label: string; expand: () => void };

/** The asset's lineage both ways to a chosen depth, health coloured, collapsible by depth, with a tag's path highlighted. */
export function LineageGraph(props: { root: string; depth: number; pathFrom: string | null }) {
  return (
    <ReactFlowProvider>
      {/* another asset starts with everything shown and nothing expanded */}
      <Graph key={props.root} {...props} />
    </ReactFlowProvider>
  );
}

/** The "+N" stand-in for a hidden branch: a real button, so that the keyboard reaches and presses it. */
function HiddenBranchNode({ data }: NodeProps<Node<MoreData, 'more'>>) {
  return (
    <>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <button type="button" className="more nopan" aria-label={data.label} onClick={data.expand}>+{data.count}</button>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </>
  );
}
const nodeTypes: NodeTypes = { more: HiddenBranchNode };

/** One direction of an asset's lineage with health: what the graph draws, and what the asset page asks for early. */
export const lineageQuery = (root: string, direction: 'upstream' | 'downstream', depth: number) => queryOptions({
  queryKey: ['lineage', root, direction, depth, 'health'],
  queryFn: () => api<Lineage>(`/v1/lineage/${enc(root)}?direction=${direction}&depth=${depth}&health=true`),
});

// React Flow ids: an asset's and its stand-in's apart whatever the qualified names hold
const assetId = (qn: string) => `a:${qn}`;
const moreId = (qn: string) => `more:${qn}`;

function Graph({ root, depth, pathFrom }: { root: string; depth: number; pathFrom: string | null }) {
  const down = useQuery(lineageQuery(root, 'downstream', depth));
  const up = useQuery(lineageQuery(root, 'upstream', depth));
  const [laid, setLaid] = useState<{ nodes: Node[]; edges: Edge[]; assets: number; edgeCount: number } | null>(null);
  const [find, setFind] = useState('');
  // what to fit the view to once it is drawn: a found asset, an expanded branch, or all after a new depth
  const [fitTo, setFitTo] = useState<string[] | 'all' | null>(null);
  // null: every depth fetched; a number once the person chose a smaller one
  const [shown, setShown] = useState<number | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const flow = useReactFlow();

  const model = useMemo(() => (down.data && up.data ? mergeLineage(root, up.data, down.data) : null), [down.data, up.data, root]);
  const onPath = useMemo(() => pathNodes(pathFrom, root, up.data?.edges ?? []), [pathFrom, root, up.data]);
  const showDepth = model ? Math.min(shown ?? model.deepest, model.deepest) : 0;
  const view = useMemo(() => (model ? collapseLineage(model, showDepth, expanded) : null), [model, showDepth, expanded]);

  useEffect(() => {
    if (!model || !view) return;
    let cancelled = false;
    const expand = (b: HiddenBranch) => {
      setExpanded((before) => new Set(before).add(b.from.id));
      setFitTo([b.from.id, ...b.hidden]);
    };
    void place(view).then((at) => {
      if (cancelled) return;
      setLaid({ ...drawn(view, at, onPath, expand), assets: model.nodes.length, edgeCount: model.edges.length });
    });
    return () => { cancelled = true; };
  }, [model, view, onPath]);

  // once the nodes to fit are drawn: revealing them lays the graph out again first
  useEffect(() => {
    if (!fitTo || !laid) return;
    const drawnIds = new Set(laid.nodes.map((n) => n.id));
    if (fitTo !== 'all' && !fitTo.every((qn) => drawnIds.has(assetId(qn)))) return;
    void flow.fitView({ ...(fitTo === 'all' ? {} : { nodes: fitTo.map((qn) => ({ id: assetId(qn) })) }), duration: 300, maxZoom: 1.2 })
      // the keyboard goes on from the found asset, or from the node whose "+N" it pressed (that button is gone)
      .then(() => { if (fitTo !== 'all') document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(assetId(fitTo[0]!))}"]`)?.focus(); });
    setFitTo(null);
  }, [laid, fitTo, flow]);

  const error = down.error ?? up.error;
  if (error) return <p role="alert" className="error">{explain(error)}</p>;
  if (!laid || !model || !view) return <p>Laying out the lineage…</p>;

  function showUpTo(d: number) {
    setShown(d >= model!.deepest ? null : d);
    setExpanded(new Set());
    setFitTo('all');
  }
  function locate(e: React.FormEvent) {
    e.preventDefault();
    const wanted = find.trim().toLowerCase();
    const hit = model!.nodes.find((n) => n.id.toLowerCase().includes(wanted));
    if (!hit) return;
    if (!view!.nodes.includes(hit)) showUpTo(hit.depth);
    setFitTo([hit.id]);
  }

  return (
    <div className="lineage">
      <div className="filters">
        <form className="lineage-find" role="search" aria-label="Find in the lineage graph" onSubmit={locate}>
          <label>Find an asset in the graph <input value={find} onChange={(e) => setFind(e.target.value)} /></label>
          <button type="submit">Find</button>
        </form>
        {model.deepest > 1 && (
          <label>Show depth
            <select value={showDepth} onChange={(e) => showUpTo(Number(e.target.value))}>
              {Array.from({ length: model.deepest }, (_, i) => i + 1).map((d) => <option key={d} value={d}>{d === model.deepest ? `${d} (all)` : d}</option>)}
            </select>
          </label>
        )}
        {/* every asset of the answer, drawn or not: the console benchmark waits for this text */}
        <span data-testid="lineage-count">{laid.assets} assets, {laid.edgeCount} edges</span>
        {view.hidden > 0 && <span data-testid="lineage-hidden">{view.hidden} hidden beyond depth {showDepth}</span>}
      </div>
      <LineageLegend showsPath={onPath.size > 0} />
      <div className="lineage-canvas" data-testid="lineage-canvas">
        <ReactFlow nodes={laid.nodes} edges={laid.edges} nodeTypes={nodeTypes} fitView minZoom={0.02} onlyRenderVisibleElements
          nodesDraggable={false} nodesConnectable={false}>
          <Background />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable ariaLabel="Overview of the lineage graph"
            nodeColor={(n) => MINIMAP_COLOURS[(n.data as Partial<AssetData>).health ?? 'none']} />
        </ReactFlow>
      </div>
    </div>
  );
}

/** Where each drawn node goes: elk's layered layout for a small graph, columns by depth for a large one. */
async function place(view: CollapsedLineage): Promise<Map<string, { x: number; y: number }>> {
  const signed = (n: LineageNode) => (n.side === 'up' ? -n.depth : n.depth);
  if (view.nodes.length + view.branches.length > ELK_LIMIT) {
    return columnLayout([
      ...view.nodes.map((n) => ({ id: assetId(n.id), column: signed(n), name: n.id })),
      ...view.branches.map((b) => ({ id: moreId(b.from.id), column: signed(b.from) + (b.from.side === 'up' ? -1 : 1), name: b.from.id })),
    ], { width: NODE_W, height: NODE_H, columnGap: 60, rowGap: 14 });
  }
  const layout = await elk().layout({
    id: 'lineage',
    layoutOptions: {
      'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.spacing.nodeNodeBetweenLayers': '60', 'elk.spacing.nodeNode': '14',
      // React Flow draws the edges itself and reads only the node positions: the cheapest routing will do
      'elk.edgeRouting': 'POLYLINE',
    },
    children: [
      ...view.nodes.map((n) => ({ id: assetId(n.id), width: NODE_W, height: NODE_H })),
      ...view.branches.map((b) => ({ id: moreId(b.from.id), width: MORE_W, height: NODE_H })),
    ],
    edges: [...view.edges.map((e) => ({ from: assetId(e.from), to: assetId(e.to) })), ...view.branches.map(branchEdge)]
      .map((e) => ({ id: `${e.from}→${e.to}`, sources: [e.from], targets: [e.to] })),
  });
  return new Map((layout.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/** The edge between a node and its hidden branch's stand-in, in the direction data flows. */
function branchEdge(b: HiddenBranch): { from: string; to: string } {
  return b.from.side === 'up' ? { from: moreId(b.from.id), to: assetId(b.from.id) } : { from: assetId(b.from.id), to: moreId(b.from.id) };
}

/** React Flow's nodes and edges for the view, placed. */
function drawn(view: CollapsedLineage, at: Map<string, { x: number; y: number }>, onPath: Set<string>, expand: (b: HiddenBranch) => void) {
  const position = (id: string) => at.get(id) ?? { x: 0, y: 0 };
  const assets: Node<AssetData>[] = view.nodes.map((n) => ({
    id: assetId(n.id), position: position(assetId(n.id)),
    data: { health: n.health, label: <><span className="name">{n.id}</span>{n.health && n.health !== 'healthy' && <span className="health-word">{n.health}</span>}</> },
    ariaLabel: `${n.id}${n.side === 'root' ? ' (this asset)' : `, ${n.depth} ${n.depth === 1 ? 'hop' : 'hops'} ${n.side}stream`}${n.health ? `, ${n.health}` : ''}`,
    className: ['lineage-node', `side-${n.side}`, n.health ? `health-${n.health}` : '', onPath.has(n.id) ? 'on-path' : ''].join(' '),
    // sizes known: React Flow shows the nodes at once, where it would first render each one hidden to measure it
    width: NODE_W, height: NODE_H, sourcePosition: Position.Right, targetPosition: Position.Left,
  }));
  const branches: Node<MoreData, 'more'>[] = view.branches.map((b) => ({
    id: moreId(b.from.id), type: 'more', position: position(moreId(b.from.id)), focusable: false, selectable: false,
    data: { count: b.hidden.length, expand: () => expand(b),
      // starts with the "+N" it shows, so that a person who sees it can also say it (voice control)
      label: `+${b.hidden.length} ${b.hidden.length === 1 ? 'asset' : 'assets'} ${b.from.side === 'up' ? 'upstream' : 'downstream'} of ${b.from.id}: show them` },
    width: MORE_W, height: NODE_H,
  }));
  const edges: Edge[] = [
    ...view.edges.map((e) => {
      const highlighted = onPath.has(e.from) && onPath.has(e.to);
      return { id: `${assetId(e.from)}→${assetId(e.to)}`, source: assetId(e.from), target: assetId(e.to),
        className: highlighted ? 'on-path' : undefined, animated: highlighted };
    }),
    ...view.branches.map(branchEdge).map((e) => ({ id: `${e.from}→${e.to}`, source: e.from, target: e.to, className: 'to-hidden' })),
  ];
  return { nodes: [...assets, ...branches] as Node[], edges };
}
