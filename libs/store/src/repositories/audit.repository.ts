import { TenantTx } from '../database';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

/** Who did what to which tenant's data, and when; written in the transaction of the write itself. */
export class AuditRepository {
  async record(tx: TenantTx, entry: AuditEntry): Promise<void> {
    await this.recordMany(tx, [entry]);
  }

  async recordMany(tx: TenantTx, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.db
      .insertInto('audit_log')
      .values(entries.map((entry) => ({ tenant_id: tx.tenantId, actor: entry.actor, action: entry.action, subject: entry.subject,
        details: JSON.stringify(entry.details) })))
      .execute();
  }
}
