import { Database, Placement } from '../database';
import { TenantId } from '../tenant-id';

export interface TenantRow {
  id: TenantId;
  name: string;
  placement: Placement;
  dataSchema: string;
  createdAt: Date;
}

/** The tenants table of the control plane. The sealed database URL never leaves the store. */
export class TenantsRepository {
  constructor(private readonly database: Database) {}

  /** Inserts the tenant; returns false when the id is taken. */
  async insert(t: { id: TenantId; name: string; placement: Placement; dataSchema: string; databaseUrlSealed: string | null }): Promise<boolean> {
    const row = await this.database.control.insertInto('tributary.tenants')
      .values({ id: t.id, name: t.name, placement: t.placement, data_schema: t.dataSchema, database_url_sealed: t.databaseUrlSealed })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id').executeTakeFirst();
    return row !== undefined;
  }

  async remove(id: TenantId): Promise<void> {
    await this.database.control.deleteFrom('tributary.tenants').where('id', '=', id).execute();
  }

  /** Every tenant, by id. */
  async list(): Promise<TenantRow[]> {
    const rows = await this.database.control.selectFrom('tributary.tenants')
      .select(['id', 'name', 'placement', 'data_schema', 'created_at']).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id as TenantId, name: r.name, placement: r.placement, dataSchema: r.data_schema, createdAt: r.created_at }));
  }

  async find(id: TenantId): Promise<TenantRow | undefined> {
    const r = await this.database.control.selectFrom('tributary.tenants')
      .select(['id', 'name', 'placement', 'data_schema', 'created_at']).where('id', '=', id).executeTakeFirst();
    return r && { id: r.id as TenantId, name: r.name, placement: r.placement, dataSchema: r.data_schema, createdAt: r.created_at };
  }
}
