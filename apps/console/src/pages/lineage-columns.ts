export interface ColumnItem {
  id: string;
  /** the signed depth: upstream negative, the root 0, downstream positive */
  column: number;
  /** what the column is ordered by */
  name: string;
}

export interface ColumnSpacing {
  width: number;
  height: number;
  columnGap: number;
  rowGap: number;
}

/**
 * Places items in columns by signed depth, each column ordered by name (code points, so the same
 * graph is always drawn the same) and centred on y = 0. Linear after the sort, where elk's layered
 * layout takes seconds on a few thousand nodes; it does not untangle crossing edges, which at that
 * size nobody follows by eye anyway.
 */
export function columnLayout(items: ColumnItem[], spacing: ColumnSpacing): Map<string, { x: number; y: number }> {
  const columns = new Map<number, ColumnItem[]>();
  for (const item of items) {
    const column = columns.get(item.column);
    if (column) column.push(item); else columns.set(item.column, [item]);
  }
  const at = new Map<string, { x: number; y: number }>();
  const pitch = spacing.height + spacing.rowGap;
  for (const [column, members] of columns) {
    members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const top = -((members.length - 1) * pitch) / 2 - spacing.height / 2;
    members.forEach((m, i) => at.set(m.id, { x: column * (spacing.width + spacing.columnGap), y: top + i * pitch }));
  }
  return at;
}
