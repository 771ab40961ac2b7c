import type { Direction } from './analytics-store';

/**
 * Where a walk in one direction reads the closure: from its start column to the column it reaches,
 * in the copy ordered by the start (`closure_pairs` by ancestor, `closure_pairs_by_descendant` by
 * descendant), so that a start's pairs are one range of the sort key.
 */
export interface ClosureLookup {
  start: 'ancestor' | 'descendant';
  reached: 'ancestor' | 'descendant';
  table: string;
}

export function closureLookup(db: string, direction: Direction): ClosureLookup {
  return direction === 'downstream'
    ? { start: 'ancestor', reached: 'descendant', table: `${db}.closure_pairs` }
    : { start: 'descendant', reached: 'ancestor', table: `${db}.closure_pairs_by_descendant` };
}
