import { describe, expect, it } from '@jest/globals';
import { columnLayout } from './lineage-columns';

describe('columnLayout', () => {
  const spacing = { width: 100, height: 20, columnGap: 50, rowGap: 10 };

  it('puts each signed depth in its own column, ordered by name and centred on y = 0', () => {
    const at = columnLayout([
      { id: 'up', column: -1, name: 'up' }, { id: 'root', column: 0, name: 'root' },
      { id: 'c', column: 1, name: 'c' }, { id: 'a', column: 1, name: 'a' }, { id: 'b', column: 1, name: 'b' },
    ], spacing);
    expect(Object.fromEntries(at)).toEqual({
      up: { x: -150, y: -10 }, root: { x: 0, y: -10 },
      a: { x: 150, y: -40 }, b: { x: 150, y: -10 }, c: { x: 150, y: 20 },
    });
  });

  it('orders by code point, whatever order the items come in', () => {
    const items = ['b', 'Z', 'a'].map((name) => ({ id: name, column: 2, name }));
    const ys = (list: typeof items) => [...columnLayout(list, spacing)].sort((p, q) => p[1].y - q[1].y).map(([id]) => id);
    expect(ys(items)).toEqual(['Z', 'a', 'b']);
    expect(ys([...items].reverse())).toEqual(['Z', 'a', 'b']);
  });
});
