import type { Job, JobOutcome, JobQueue } from '@tributary/queue';
import { TenantId } from '@tributary/store';
import type { PropagationEngine } from './propagation.engine';
import type { PropagationPlanner } from './propagation.planner';
import { Rule } from './rule';

export const RULE_PLAN_QUEUE = 'propagation.plan';

/** Plan what a changed rule (created, edited, switched, deleted) must recompute. */
export interface RulePlanJob {
  tenantId: TenantId;
  ruleId: string;
  version: number;
  enabled: boolean;
}

/**
 * A rule's change is planned in a job, not in the request that saved it: planning reads every
 * asset of the tenant (an attribute rule evaluates its `when` on each), which a request must not
 * wait for or hold a connection through. The job recomputes from the rule as stored when it runs,
 * so a planning that runs late, twice, or after the rule changed again plans the current rule.
 */
export class RulePlanning {
  constructor(
    private readonly queue: JobQueue,
    private readonly planner: PropagationPlanner,
    private readonly engine: PropagationEngine,
  ) {}

  /** RulesService's RuleChanged: queues the planning. */
  async queued(tenantId: TenantId, rule: Rule): Promise<void> {
    const data: RulePlanJob = { tenantId, ruleId: rule.id, version: rule.version, enabled: rule.enabled };
    // one planning per change (version and switch): a change made while an earlier planning runs is planned again
    await this.queue.enqueue<RulePlanJob>(RULE_PLAN_QUEUE, [{ data, dedupKey: `${tenantId}/${rule.id}/${rule.version}/${rule.enabled}` }]);
  }

  /** The job: every propagation of the rule, recomputed by fan-out jobs. */
  async run(job: Job<RulePlanJob>): Promise<JobOutcome> {
    const { tenantId, ruleId, version, enabled } = job.data;
    await this.engine.schedule(await this.planner.planRule(tenantId, ruleId), `rule-${version}-${enabled}-${job.id}`);
    return { status: 'success' };
  }
}
