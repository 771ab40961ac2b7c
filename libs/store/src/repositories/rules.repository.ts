import { sql } from 'kysely';
import { TenantTx } from '../database';

export interface RuleRow {
  id: string;
  name: string;
  builtin: boolean;
  enabled: boolean;
  trigger: string[];
  filter: string | null;
  action: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  id: string; name: string; builtin: boolean; enabled: boolean; trigger: string[]; filter: string | null;
  action: Record<string, unknown>; version: number; created_at: Date; updated_at: Date;
};

const toRule = (r: Row): RuleRow => ({
  id: r.id, name: r.name, builtin: r.builtin, enabled: r.enabled, trigger: r.trigger, filter: r.filter, action: r.action,
  version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class RulesRepository {
  /** Adds the rules that are missing (built-ins on first use); existing ones are left as they are. */
  async ensure(tx: TenantTx, rules: Omit<RuleRow, 'version' | 'createdAt' | 'updatedAt'>[]): Promise<void> {
    if (rules.length === 0) return;
    await tx.db.insertInto('rules').values(rules.map((r) => ({
      id: r.id, tenant_id: tx.tenantId, name: r.name, builtin: r.builtin, enabled: r.enabled, trigger: r.trigger,
      filter: r.filter, action: JSON.stringify(r.action),
    }))).onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing()).execute();
  }

  async list(tx: TenantTx): Promise<RuleRow[]> {
    return (await tx.db.selectFrom('rules').selectAll().where('tenant_id', '=', tx.tenantId)
      .orderBy('builtin', 'desc').orderBy('created_at').orderBy('id').execute()).map((r) => toRule(r as Row));
  }

  async get(tx: TenantTx, id: string, lock = false): Promise<RuleRow | undefined> {
    let q = tx.db.selectFrom('rules').selectAll().where('tenant_id', '=', tx.tenantId).where('id', '=', id);
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && toRule(r as Row);
  }

  async insert(tx: TenantTx, r: Omit<RuleRow, 'builtin' | 'version' | 'createdAt' | 'updatedAt'>): Promise<RuleRow> {
    const row = await tx.db.insertInto('rules').values({ id: r.id, tenant_id: tx.tenantId, name: r.name, enabled: r.enabled,
      trigger: r.trigger, filter: r.filter, action: JSON.stringify(r.action) }).returningAll().executeTakeFirstOrThrow();
    return toRule(row as Row);
  }

  async update(tx: TenantTx, r: Omit<RuleRow, 'builtin' | 'version' | 'createdAt' | 'updatedAt'>): Promise<RuleRow> {
    const row = await tx.db.updateTable('rules').set({ name: r.name, enabled: r.enabled, trigger: r.trigger, filter: r.filter,
      action: JSON.stringify(r.action), version: sql`version + 1`, updated_at: sql`now()` })
      .where('tenant_id', '=', tx.tenantId).where('id', '=', r.id).returningAll().executeTakeFirstOrThrow();
    return toRule(row as Row);
  }

  async delete(tx: TenantTx, id: string): Promise<void> {
    await tx.db.deleteFrom('rules').where('tenant_id', '=', tx.tenantId).where('id', '=', id).execute();
  }
}
