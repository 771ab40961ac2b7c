/** A contribution a rule made to an asset's derived values. */
export interface Contribution {
  key: string;
  depth: number;
  value: unknown;
  source: string;
}

/**
 * An asset's derived values from every contribution it has: the sum of open incidents upstream,
 * and each propagated attribute (`attr:list:<name>`: every source's value, sorted and distinct;
 * `attr:nearest:<name>`: the value of the closest source, the first by name on a tie).
 */
export function deriveValues(contributions: Contribution[]): { derived: Record<string, unknown>; upstream: number } {
  let upstream = 0;
  const byAttribute = new Map<string, { mode: string; items: Contribution[] }>();
  for (const c of contributions) {
    if (c.key === 'incidents') {
      upstream += Number(c.value) || 0;
      continue;
    }
    const [, mode, name] = c.key.split(':');
    const entry = byAttribute.get(name) ?? { mode, items: [] };
    entry.items.push(c);
    byAttribute.set(name, entry);
  }
  const derived: Record<string, unknown> = {};
  for (const [name, { mode, items }] of [...byAttribute].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (mode === 'list') {
      const distinct = new Map(items.map((i) => [JSON.stringify(i.value), i.value]));
      derived[name] = [...distinct.keys()].sort().map((k) => distinct.get(k));
    } else {
      derived[name] = [...items].sort((a, b) => a.depth - b.depth || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))[0].value;
    }
  }
  return { derived, upstream };
}
