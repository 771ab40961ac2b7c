import { describe, expect, it } from '@jest/globals';
import type { Lineage } from '../api';
import { collapseLineage, LineageModel, mergeLineage } from './lineage-model';

const answer = (root: string, nodes: [string, number, Lineage['rootHealth']?][], edges: [string, string][], rootHealth?: Lineage['rootHealth']): Lineage => ({
  root, rootHealth,
  nodes: nodes.map(([qualifiedName, depth, health]) => ({ qualifiedName, typeName: 'Table', depth, health })),
  edges: edges.map(([from, to]) => ({ from, to })),
});

// u2 -> u1 -> r -> d1a -> d2 -> d3, and r -> d1b -> d2 (d2 is reached through both)
const graph = (): LineageModel => mergeLineage('r',
  answer('r', [['u1', 1], ['u2', 2]], [['u2', 'u1'], ['u1', 'r']], 'warning'),
  answer('r', [['d1a', 1], ['d1b', 1], ['d2', 2], ['d3', 3]], [['r', 'd1a'], ['r', 'd1b'], ['d1a', 'd2'], ['d1b', 'd2'], ['d2', 'd3']], 'warning'));
const names = (nodes: { id: string }[]) => nodes.map((n) => n.id).sort();

describe('mergeLineage', () => {
  it('puts both answers in one graph with the root, its health and the deepest depth', () => {
    const model = graph();
    expect(model.nodes.map((n) => [n.id, n.side, n.depth])).toEqual([
      ['r', 'root', 0], ['u1', 'up', 1], ['u2', 'up', 2], ['d1a', 'down', 1], ['d1b', 'down', 1], ['d2', 'down', 2], ['d3', 'down', 3]]);
    expect(model.nodes[0]!.health).toBe('warning');
    expect(model.edges).toHaveLength(7);
    expect(model.deepest).toBe(3);
  });

  it('draws an asset reached both ways once, upstream, and an edge in both answers once', () => {
    const model = mergeLineage('r', answer('r', [['c', 1, 'critical']], [['c', 'r'], ['r', 'c']]), answer('r', [['c', 1, 'critical']], [['r', 'c'], ['c', 'r']]));
    expect(model.nodes.map((n) => [n.id, n.side, n.health])).toEqual([['r', 'root', undefined], ['c', 'up', 'critical']]);
    expect(model.edges).toHaveLength(2);
  });
});

describe('collapseLineage', () => {
  it('hides what is deeper than the depth shown and stands one "+N" in for each branch, counting shared nodes in each', () => {
    const view = collapseLineage(graph(), 1, new Set());
    expect(names(view.nodes)).toEqual(['d1a', 'd1b', 'r', 'u1']);
    expect(view.hidden).toBe(3);
    expect(view.branches.map((b) => [b.from.id, b.hidden.sort()])).toEqual([['u1', ['u2']], ['d1a', ['d2', 'd3']], ['d1b', ['d2', 'd3']]]);
    expect(view.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(['r>d1a', 'r>d1b', 'u1>r']);
  });

  it('shows an expanded node\'s whole branch, which leaves no hidden branch behind the nodes that shared it', () => {
    const view = collapseLineage(graph(), 1, new Set(['d1a']));
    expect(names(view.nodes)).toEqual(['d1a', 'd1b', 'd2', 'd3', 'r', 'u1']);
    expect(view.branches.map((b) => [b.from.id, b.hidden])).toEqual([['u1', ['u2']]]);
    expect(view.hidden).toBe(1);
    expect(view.edges).toHaveLength(6);
  });

  it('ignores an expansion of a node that a smaller depth hides, and hides nothing at the deepest depth', () => {
    expect(names(collapseLineage(graph(), 1, new Set(['d2'])).nodes)).toEqual(['d1a', 'd1b', 'r', 'u1']);
    const all = collapseLineage(graph(), 3, new Set());
    expect([all.nodes.length, all.edges.length, all.branches, all.hidden]).toEqual([7, 7, [], 0]);
  });
});
