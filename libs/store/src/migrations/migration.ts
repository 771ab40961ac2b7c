/** A versioned schema change. `sql` receives the schema it is applied to and the app role. */
export interface Migration {
  version: number;
  name: string;
  sql: (schema: string, appRole: string) => string;
}

/** Row-level security for one tenant-data table: the app role sees and writes only its tenant's rows. */
export const tenantIsolation = (table: string, appRole: string, force = true) => `
  ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  ${force ? `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;` : ''}
  CREATE POLICY tenant_isolation ON ${table} TO ${appRole}
    USING (tenant_id = current_setting('tributary.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('tributary.tenant_id', true));`;
