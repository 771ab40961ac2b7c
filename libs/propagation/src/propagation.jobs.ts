import { TenantId } from '@tributary/store';

export const FANOUT_QUEUE = 'propagation.fanout';
export const APPLY_QUEUE = 'propagation.apply';

/** How many rule generations one change may pass through before the chain is stopped. */
export const MAX_RULE_GENERATIONS = 8;

/** Where a chain of rule-made changes came from: its length, and the rules it passed through. */
export interface Lineage {
  /** 0 for a change made by a person or a source; n+1 for a change a rule made from a change of generation n */
  generation: number;
  chain: string[];
}

/** Recompute one propagation (rule, source, key) from the current state of the store. */
export interface FanoutJob extends Lineage {
  tenantId: TenantId;
  ruleId: string;
  sourceId: number;
  key: string;
}

/** Apply one partition of a staged propagation result. */
export interface ApplyJob extends FanoutJob {
  staged: number;
  partitions: number;
  partition: number;
}
