import { Database, Placement } from '../database';
import { privileged } from '../privileged';
import { TenantId } from '../tenant-id';

export interface TenantRow {
  id: TenantId;
  name: string;
  placement: Placement;
  dataSchema: string;
  createdAt: Date;
}

const columns = ['id', 'name', 'placement', 'data_schema', 'created_at'] as const;

const toTenant = (r: { id: string; name: string; placement: Placement; data_schema: string; created_at: Date }): TenantRow =>
  ({ id: r.id as TenantId, name: r.name, placement: r.placement, dataSchema: r.data_schema, createdAt: r.created_at });

/** The tenants table of the control plane. The sealed database URL never leaves the store. */
export class TenantsRepository {
  constructor(private readonly database: Database) {}

  /** Inserts the tenant; returns false when the id is taken. */
  async insert(t: { id: TenantId; name: string; placement: Placement; dataSchema: string; databaseUrlSealed: string | null }): Promise<boolean> {
    const row = await privileged(this.database).insertInto('tributary.tenants')
      .values({ id: t.id, name: t.name, placement: t.placement, data_schema: t.dataSchema, database_url_sealed: t.databaseUrlSealed })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id').executeTakeFirst();
    return row !== undefined;
  }

  async remove(id: TenantId): Promise<void> {
    await privileged(this.database).deleteFrom('tributary.tenants').where('id', '=', id).execute();
  }

  async find(id: TenantId): Promise<TenantRow | undefined> {
    const r = await privileged(this.database).selectFrom('tributary.tenants').select(columns).where('id', '=', id).executeTakeFirst();
    return r && toTenant(r);
  }

  /** Every tenant, by id. */
  async list(): Promise<TenantRow[]> {
    return (await privileged(this.database).selectFrom('tributary.tenants').select(columns).orderBy('id').execute()).map(toTenant);
  }
}
