import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AuditRepository, Database, RuleRow, RulesRepository, TenantId, TenantTx } from '@tributary/store';
import { conflict, forbidden, invalid, notFound } from '@tributary/errors';
import { compileOrReject, Expression } from '@tributary/expressions';
import { BUILTIN_RULES, CHANGE_TYPES, Notify, NOTIFY_TRIGGERS, OWNER_LOSS_TRIGGER, PropagationAction, Rule, RuleAction } from './rule';

export const CreateRuleBody = z.strictObject({
  name: z.string().min(1).max(200),
  trigger: z.array(z.enum(CHANGE_TYPES)).min(1).max(CHANGE_TYPES.length),
  filter: z.string().min(1).max(4096).optional(),
  action: RuleAction,
  enabled: z.boolean().default(true),
});
export const UpdateRuleBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  trigger: z.array(z.enum(CHANGE_TYPES)).min(1).max(CHANGE_TYPES.length).optional(),
  filter: z.string().min(1).max(4096).nullable().optional(),
  action: RuleAction.optional(),
  enabled: z.boolean().optional(),
});

/** A propagation rule with its expressions compiled, ready to match events. */
export interface CompiledRule extends Rule {
  action: PropagationAction;
  filterExpression: Expression | null;
  when: Expression | null;
  value: Expression | null;
}

/** A notify rule with its expressions compiled: the filter over `event`, `asset` and `incident`, the title over `incident` and `asset`. */
export interface CompiledNotifyRule extends Rule {
  action: Notify;
  filterExpression: Expression | null;
  title: Expression | null;
}

/** What a notify rule's filter sees. */
export const NOTIFY_FILTER_VARIABLES = ['event', 'asset', 'incident'];
const TITLE_VARIABLES = ['incident', 'asset'];

/** Refuses (422) a notify rule whose connector is not one of the tenant's target connectors. */
export type TargetCheck = (tenantId: TenantId, connectorId: string) => Promise<void>;

/**
 * Called after a rule's behaviour changed (created, edited, switched, deleted): its results must be
 * recomputed. It queues that work (RulePlanning) and returns: the request that saved the rule does
 * not wait for a walk over the tenant's assets.
 */
export type RuleChanged = (tenantId: TenantId, rule: Rule, previous: Rule | null) => Promise<void>;

/** A saved rule, as the API answers: what it propagates is being recomputed in the background. */
export type SavedRule = Rule & { planning: 'queued' };

/**
 * Rules per tenant, changed at run time without a restart. Every expression is compiled when the
 * rule is saved, so a broken one is rejected then (422 with its position), and so is one whose
 * estimated cost could exceed the evaluation budget (422 `expression_too_costly`), never at event time.
 */
export class RulesService {
  constructor(
    private readonly database: Database,
    private readonly onChanged: RuleChanged,
    private readonly checkTarget: TargetCheck,
    private readonly rules = new RulesRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  async list(tenantId: TenantId): Promise<Rule[]> {
    return this.database.inTenant(tenantId, async (tx) => (await this.loadAll(tx)).map(toRule));
  }

  /** The tenant's enabled propagation rules, compiled (the propagator's view). */
  async enabled(tx: TenantTx): Promise<CompiledRule[]> {
    return (await this.loadAll(tx)).map(toRule).filter((r) => r.enabled && r.action.type !== 'notify')
      .map((r) => this.compiled(tx.tenantId, r) as CompiledRule);
  }

  /** The tenant's enabled notify rules, compiled (the notifier's view). */
  async notifying(tx: TenantTx): Promise<CompiledNotifyRule[]> {
    return (await this.loadAll(tx)).map(toRule).filter((r) => r.enabled && r.action.type === 'notify')
      .map((r) => this.compiled(tx.tenantId, r) as CompiledNotifyRule);
  }

  /**
   * Compiled rules by tenant and id, with the rule they were compiled from: every fan-out job and
   * planned batch asks for them, and the expressions need compiling only when the rule changed.
   */
  private readonly compiledRules = new Map<string, { source: string; rule: CompiledRule | CompiledNotifyRule }>();

  private compiled(tenantId: TenantId, rule: Rule): CompiledRule | CompiledNotifyRule {
    const key = `${tenantId}/${rule.id}`;
    const source = JSON.stringify(rule);
    const cached = this.compiledRules.get(key);
    if (cached?.source === source) return cached.rule;
    const compiledRule = compile(rule);
    this.compiledRules.set(key, { source, rule: compiledRule });
    return compiledRule;
  }

  async create(tenantId: TenantId, actor: string, body: z.infer<typeof CreateRuleBody>): Promise<SavedRule> {
    const rule = { id: randomUUID(), name: body.name, builtin: false, enabled: body.enabled, trigger: body.trigger,
      filter: body.filter ?? null, action: body.action, version: 1 };
    checkExpressions(rule);
    await this.checkAction(tenantId, rule);
    const saved = await this.database.inTenant(tenantId, async (tx) => {
      const row = await this.rules.insert(tx, { ...rule, action: rule.action as Record<string, unknown> });
      await this.audit.record(tx, { actor, action: 'rule.create', subject: row.id, details: { name: row.name } });
      return toRule(row);
    });
    await this.onChanged(tenantId, saved, null);
    return { ...saved, planning: 'queued' };
  }

  /**
   * A rule as it would be saved, compiled but not stored: what a preview computes with. A notify
   * rule changes no asset, so it has nothing to preview (its connector's test shows a message).
   */
  candidate(body: z.infer<typeof CreateRuleBody>): CompiledRule {
    const rule: Rule = { id: 'preview', name: body.name, builtin: false, enabled: true, trigger: body.trigger, filter: body.filter ?? null,
      action: body.action, version: 0 };
    if (rule.action.type === 'notify') {
      throw invalid('nothing_to_preview', 'a notify rule changes no asset: try its connector with POST /v1/connectors/{id}/test', { field: 'action.type' });
    }
    checkExpressions(rule);
    return compile(rule) as CompiledRule;
  }

  /** Built-in rules may only be switched on or off. */
  async update(tenantId: TenantId, actor: string, id: string, body: z.infer<typeof UpdateRuleBody>): Promise<SavedRule> {
    const [before, after] = await this.database.inTenant(tenantId, async (tx) => {
      await this.loadAll(tx);
      const row = await this.rules.get(tx, id, true);
      if (!row) throw ruleNotFound(id);
      const current = toRule(row);
      if (current.builtin && Object.keys(body).some((k) => k !== 'enabled')) {
        throw forbidden('builtin_rule', `rule ${id} is built in: only "enabled" can be changed`);
      }
      const next: Rule = { ...current, name: body.name ?? current.name, enabled: body.enabled ?? current.enabled,
        trigger: body.trigger ?? current.trigger, filter: body.filter === undefined ? current.filter : body.filter,
        action: body.action ?? current.action };
      checkExpressions(next);
      checkNotifyShape(next);
      // a rule whose connector was deleted since can still be switched off or renamed; not pointed anywhere or on again
      if (body.action || (next.enabled && !current.enabled)) await this.checkAction(tenantId, next);
      const row2 = await this.rules.update(tx, { ...next, action: next.action as Record<string, unknown> });
      await this.audit.record(tx, { actor, action: 'rule.update', subject: id, details: { fields: Object.keys(body) } });
      return [current, toRule(row2)] as const;
    });
    await this.onChanged(tenantId, after, before);
    return { ...after, planning: 'queued' };
  }

  async remove(tenantId: TenantId, actor: string, id: string): Promise<void> {
    const removed = await this.database.inTenant(tenantId, async (tx) => {
      await this.loadAll(tx);
      const row = await this.rules.get(tx, id, true);
      if (!row) throw ruleNotFound(id);
      if (row.builtin) throw conflict('builtin_rule', `rule ${id} is built in: switch it off instead`);
      await this.rules.delete(tx, id);
      await this.audit.record(tx, { actor, action: 'rule.delete', subject: id, details: {} });
      return toRule(row);
    });
    // Deleting is switching off for good: what it propagated is retracted.
    await this.onChanged(tenantId, { ...removed, enabled: false }, removed);
  }

  /** A notify rule names one of the tenant's target connectors, and has a notify rule's shape (checkNotifyShape). */
  private async checkAction(tenantId: TenantId, rule: Rule): Promise<void> {
    if (rule.action.type !== 'notify') return;
    checkNotifyShape(rule);
    await this.checkTarget(tenantId, rule.action.connectorId);
  }

  private async loadAll(tx: TenantTx): Promise<RuleRow[]> {
    let rows = await this.rules.list(tx);
    const missing = BUILTIN_RULES.filter((b) => !rows.some((r) => r.id === b.id));
    if (missing.length > 0) {
      await this.rules.ensure(tx, missing.map((b) => ({ ...b, action: b.action as Record<string, unknown> })));
      rows = await this.rules.list(tx);
    }
    return rows;
  }
}

const ruleNotFound = (id: string) => notFound('rule_not_found', `no rule ${JSON.stringify(id)} in this tenant`);

function toRule(r: RuleRow): Rule {
  return { id: r.id, name: r.name, builtin: r.builtin, enabled: r.enabled, trigger: r.trigger, filter: r.filter,
    action: RuleAction.parse(r.action), version: r.version };
}

/**
 * A notify rule triggers either on incident changes or on owners lost, never both: the two send
 * different messages (one per incident, kept up to date; one per owner lost, listing their assets),
 * and a rule on owners lost has no digest or title template. Checked on every save, a trigger-only
 * edit included.
 */
function checkNotifyShape(rule: Rule): void {
  if (rule.action.type !== 'notify') return;
  const incident = rule.trigger.filter((t) => (NOTIFY_TRIGGERS as readonly string[]).includes(t));
  const loss = rule.trigger.includes(OWNER_LOSS_TRIGGER);
  const others = rule.trigger.filter((t) => !(NOTIFY_TRIGGERS as readonly string[]).includes(t) && t !== OWNER_LOSS_TRIGGER);
  if (others.length > 0 || (loss && incident.length > 0)) {
    throw invalid('invalid_trigger', `a notify rule triggers either on incident changes (${NOTIFY_TRIGGERS.join(', ')}) or on `
      + `${OWNER_LOSS_TRIGGER} (one message per owner lost), not on ${others.length > 0 ? others.join(', ') : 'both'}`, { field: 'trigger' });
  }
  if (loss && rule.action.digestSeconds > 0) {
    throw invalid('invalid_action', `a notify rule on ${OWNER_LOSS_TRIGGER} sends one message per owner lost already: digestSeconds must be 0`,
      { field: 'action.digestSeconds' });
  }
  if (loss && rule.action.template?.title !== undefined) {
    throw invalid('invalid_action', `a notify rule on ${OWNER_LOSS_TRIGGER} has no incident to title: give no template.title`,
      { field: 'action.template.title' });
  }
}

function checkExpressions(rule: Rule): void {
  if (rule.filter) compileOrReject('filter', rule.filter, rule.action.type === 'notify' ? NOTIFY_FILTER_VARIABLES : ['event']);
  if (rule.action.type === 'propagate_attribute') {
    compileOrReject('action.when', rule.action.when, ['source']);
    compileOrReject('action.value', rule.action.value, ['source']);
  }
  if (rule.action.type === 'notify' && rule.action.template?.title) compileOrReject('action.template.title', rule.action.template.title, TITLE_VARIABLES);
}

function compile(rule: Rule): CompiledRule | CompiledNotifyRule {
  const { action } = rule;
  if (action.type === 'notify') {
    return {
      ...rule, action,
      filterExpression: rule.filter ? Expression.load(rule.filter, NOTIFY_FILTER_VARIABLES) : null,
      title: action.template?.title ? Expression.load(action.template.title, TITLE_VARIABLES) : null,
    };
  }
  const attr = action.type === 'propagate_attribute' ? action : null;
  return {
    ...rule, action,
    filterExpression: rule.filter ? Expression.load(rule.filter, ['event']) : null,
    when: attr ? Expression.load(attr.when, ['source']) : null,
    value: attr ? Expression.load(attr.value, ['source']) : null,
  };
}
