/**
 * A figure of the cost model with where it came from: the measurements it was computed from (suite,
 * key, date), the ones it needed and did not find, and the assumptions it rests on. A quantity whose
 * inputs are missing has no value: it is printed as missing, never guessed.
 */
export interface Citation {
  suite: string;
  /** `figures.<key>`, `processes.<key>` or `storage.<key>` of docs/benchmarks/<suite>.json. */
  key: string;
  /** When the suite was run; absent for a measurement that is missing. */
  measuredAt?: string;
}

export interface Quantity {
  value: number | undefined;
  from: Citation[];
  missing: Citation[];
  assumptions: string[];
}

export const citationId = (c: Citation) => `${c.suite}:${c.key}`;

/** A number that comes from no measurement: an input of the request, or a stated assumption. */
export function given(value: number, assumption?: string): Quantity {
  return { value, from: [], missing: [], assumptions: assumption ? [assumption] : [] };
}

export function measured(value: number, citation: Citation): Quantity {
  return { value, from: [citation], missing: [], assumptions: [] };
}

export function missing(citation: Citation): Quantity {
  return { value: undefined, from: [], missing: [citation], assumptions: [] };
}

/** `compute` over the values of `inputs`, citing all of them; no value when any input has none. */
export function derive(inputs: Quantity[], compute: (...values: number[]) => number, ...assumptions: string[]): Quantity {
  const values = inputs.map((q) => q.value);
  const complete = values.every((v): v is number => v !== undefined);
  return {
    value: complete ? compute(...values) : undefined,
    from: unique(inputs.flatMap((q) => q.from)),
    missing: unique(inputs.flatMap((q) => q.missing)),
    assumptions: [...new Set([...inputs.flatMap((q) => q.assumptions), ...assumptions])],
  };
}

/** The sum of the quantities that have a value; those without are listed as missing (a total that leaves something out says so). */
export function sumKnown(quantities: Quantity[]): Quantity {
  return {
    value: quantities.reduce((n, q) => n + (q.value ?? 0), 0),
    from: unique(quantities.flatMap((q) => q.from)),
    missing: unique(quantities.flatMap((q) => q.missing)),
    assumptions: [...new Set(quantities.flatMap((q) => q.assumptions))],
  };
}

function unique(citations: Citation[]): Citation[] {
  const seen = new Map<string, Citation>();
  for (const c of citations) if (!seen.has(citationId(c))) seen.set(citationId(c), c);
  return [...seen.values()];
}
