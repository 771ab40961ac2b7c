/**
 * Whether two JSON values are the same whatever their keys' order: a value read back from a jsonb
 * column has its keys in jsonb's order, not the order it was written in.
 */
export function sameJson(x: unknown, y: unknown): boolean {
  return JSON.stringify(canonical(x)) === JSON.stringify(canonical(y));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}
