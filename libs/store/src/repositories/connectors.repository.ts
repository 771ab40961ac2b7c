import { sql } from 'kysely';
import { Database } from '../database';
import { privileged } from '../privileged';
import { TenantId } from '../tenant-id';

export interface ConnectorRow {
  id: string;
  tenantId: TenantId;
  type: string;
  name: string;
  config: Record<string, unknown>;
  secretsSealed: string;
  enabled: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  id: string; tenant_id: string; type: string; name: string; config: Record<string, unknown>; secrets_sealed: string;
  enabled: boolean; version: number; created_at: Date; updated_at: Date;
};

const toConnector = (r: Row): ConnectorRow => ({
  id: r.id, tenantId: r.tenant_id as TenantId, type: r.type, name: r.name, config: r.config, secretsSealed: r.secrets_sealed,
  enabled: r.enabled, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

const columns = ['id', 'tenant_id', 'type', 'name', 'config', 'secrets_sealed', 'enabled', 'version', 'created_at', 'updated_at'] as const;

/**
 * Connectors live in the control plane: a webhook names only the connector id, so the platform's
 * own connection finds it (and so its tenant) first; everything a tenant does with its connectors
 * runs as the app role under row-level security.
 */
export class ConnectorsRepository {
  constructor(private readonly database: Database) {}

  async findById(id: string): Promise<ConnectorRow | undefined> {
    const r = await privileged(this.database).selectFrom('tributary.connectors').select(columns)
      .where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return r && toConnector(r);
  }

  /** The ids of every tenant's enabled connectors: for the platform's own periodic work (reconciliation). */
  async listEnabledIds(type?: string): Promise<string[]> {
    let query = privileged(this.database).selectFrom('tributary.connectors').select('id').where('enabled', '=', true).where('deleted_at', 'is', null);
    if (type !== undefined) query = query.where('type', '=', type);
    const rows = await query.orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  async insert(tenantId: TenantId, c: { id: string; type: string; name: string; config: Record<string, unknown>; secretsSealed: string }): Promise<ConnectorRow> {
    return this.database.inControlForTenant(tenantId, async (trx) => toConnector(await trx.insertInto('tributary.connectors')
      .values({ id: c.id, tenant_id: tenantId, type: c.type, name: c.name, config: JSON.stringify(c.config), secrets_sealed: c.secretsSealed })
      .returning(columns).executeTakeFirstOrThrow()));
  }

  async list(tenantId: TenantId): Promise<ConnectorRow[]> {
    return this.database.inControlForTenant(tenantId, async (trx) => (await trx.selectFrom('tributary.connectors').select(columns)
      .where('tenant_id', '=', tenantId).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute()).map(toConnector));
  }

  async get(tenantId: TenantId, id: string): Promise<ConnectorRow | undefined> {
    return this.database.inControlForTenant(tenantId, async (trx) => {
      const r = await trx.selectFrom('tributary.connectors').select(columns)
        .where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return r && toConnector(r);
    });
  }

  async update(tenantId: TenantId, id: string, change: { name: string; config: Record<string, unknown>; secretsSealed: string; enabled: boolean }): Promise<ConnectorRow | undefined> {
    return this.database.inControlForTenant(tenantId, async (trx) => {
      const r = await trx.updateTable('tributary.connectors')
        .set({ name: change.name, config: JSON.stringify(change.config), secrets_sealed: change.secretsSealed, enabled: change.enabled,
          version: sql`version + 1`, updated_at: sql`now()` })
        .where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_at', 'is', null)
        .returning(columns).executeTakeFirst();
      return r && toConnector(r);
    });
  }

  async softDelete(tenantId: TenantId, id: string): Promise<boolean> {
    return this.database.inControlForTenant(tenantId, async (trx) => (await trx.updateTable('tributary.connectors')
      .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
      .where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_at', 'is', null)
      .returning('id').executeTakeFirst()) !== undefined);
  }
}
