import { ApiClient } from '../support/api-client';

interface RuleSummary { id: string; builtin: boolean; enabled: boolean }

/**
 * The rules the tenant has while the suite measures, read through the API. The suite measures with
 * every built-in rule on, as every tenant has them (issue 10: an earlier version switched
 * deprecation-warning and incident-propagation off, which no real tenant does), and no rule of its
 * own; it refuses to run otherwise, so the condition written beside its figures is the one measured.
 */
export async function allBuiltInRulesOn(api: ApiClient): Promise<string[]> {
  const { items } = JSON.parse(await api.getText('/v1/rules')) as { items: RuleSummary[] };
  const off = items.filter((r) => r.builtin && !r.enabled).map((r) => r.id);
  const own = items.filter((r) => !r.builtin).map((r) => r.id);
  if (off.length > 0 || own.length > 0) {
    throw new Error(`the suite measures with every built-in rule on and no other; switched off: [${off.join(', ')}], others: [${own.join(', ')}]`);
  }
  return items.map((r) => r.id);
}

/** The condition, as written beside each figure. */
export const rulesCondition = (ids: string[]) => `all ${ids.length} built-in rules on (${ids.join(', ')})`;
