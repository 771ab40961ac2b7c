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

/**
 * The change a job was planned from, carried through fan-out and apply: its trace context (the
 * rule-made changes continue that trace) and its time (end-to-end latency when the apply commits).
 */
export interface Cause {
  /** W3C traceparent of the triggering change event; null when it had none */
  traceparent: string | null;
  /** the triggering change event's time, ISO 8601 */
  changedAt: string;
}

/**
 * Recompute one propagation (rule, source, key) from the current state of the store. `cause` is
 * null for work with no single triggering change (a rule switched on, an edge walk); it is not part
 * of a job's identity (dedup keys leave it out).
 */
export interface FanoutJob extends Lineage {
  tenantId: TenantId;
  ruleId: string;
  sourceId: number;
  key: string;
  cause: Cause | null;
}

/** Apply one partition of a staged propagation result. */
export interface ApplyJob extends FanoutJob {
  staged: number;
  partitions: number;
  partition: number;
}
