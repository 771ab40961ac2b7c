import { ApiKeyService, PLATFORM_CREATOR } from '@tributary/auth';
import { conflict, invalid } from '@tributary/errors';
import {
  AuditRepository, Database, DEFAULT_TENANT, Placement, POOLED_SCHEMA, SecretBox, TenantId, TenantPlacement,
  TenantsRepository,
} from '@tributary/store';
import { tenantSchemaOf } from './new-tenant-id';

export interface CreatedTenant {
  id: TenantId;
  name: string;
  placement: Placement;
  adminKey: string;
  createdAt: string;
}

/** Schema of a dedicated tenant's data inside its own database. */
const DEDICATED_SCHEMA = 'tributary_data';

/**
 * Tenants and where their data lives: pooled (shared tables under RLS), schema (own schema in the
 * main database) or dedicated (own database). The same migrations and code serve all three.
 */
export class TenantsService {
  constructor(
    private readonly database: Database,
    private readonly tenants: TenantsRepository,
    private readonly apiKeys: ApiKeyService,
    private readonly secrets: SecretBox,
    private readonly audit = new AuditRepository(),
  ) {}

  async create(actor: string, input: { id: TenantId; name: string; placement: Placement; databaseUrl?: string }): Promise<CreatedTenant> {
    if ((input.placement === 'dedicated') !== (input.databaseUrl !== undefined)) {
      throw invalid('database_url_placement', 'databaseUrl is required for placement "dedicated" and allowed only there');
    }
    const placement: TenantPlacement = {
      tenantId: input.id,
      placement: input.placement,
      dataSchema: input.placement === 'pooled' ? POOLED_SCHEMA
        : input.placement === 'schema' ? tenantSchemaOf(input.id) : DEDICATED_SCHEMA,
      databaseUrl: input.databaseUrl,
    };
    const inserted = await this.tenants.insert({ id: input.id, name: input.name, placement: input.placement,
      dataSchema: placement.dataSchema, databaseUrlSealed: input.databaseUrl ? this.secrets.seal(input.databaseUrl) : null });
    if (!inserted) throw conflict('tenant_exists', `tenant ${input.id} already exists`);
    try {
      await this.database.provision(placement);
    } catch (err) {
      await this.tenants.remove(input.id);
      throw invalid('provisioning_failed', `could not prepare the tenant's data store: ${(err as Error).message}`);
    }
    const { key } = await this.apiKeys.create(input.id, { name: 'tenant admin', roles: ['admin'] }, { ...PLATFORM_CREATOR, actor });
    await this.database.inTenant(input.id, (tx) => this.audit.record(tx, { actor, action: 'tenant.create', subject: input.id,
      details: { placement: input.placement, name: input.name } }));
    const row = (await this.tenants.find(input.id))!;
    return { id: input.id, name: row.name, placement: row.placement, adminKey: key, createdAt: row.createdAt.toISOString() };
  }

  /**
   * First start: the `default` tenant and its bootstrap key, admin of `default` and platform admin.
   * The key comes from TRIBUTARY_BOOTSTRAP_ADMIN_KEY when set (and is added if missing); otherwise it
   * is generated once and returned so the caller can print it.
   */
  async bootstrap(presetKey: string | undefined): Promise<string | undefined> {
    const created = await this.tenants.insert({ id: DEFAULT_TENANT, name: 'Default tenant', placement: 'pooled',
      dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    if (presetKey) {
      const id = presetKey.split('_')[1];
      const existing = await this.apiKeys.list(DEFAULT_TENANT);
      if (!existing.some((k) => k.id === id)) {
        await this.apiKeys.create(DEFAULT_TENANT, { name: 'bootstrap admin', roles: ['admin'], platformAdmin: true }, PLATFORM_CREATOR, presetKey);
      }
      return undefined;
    }
    if (!created) return undefined;
    const { key } = await this.apiKeys.create(DEFAULT_TENANT, { name: 'bootstrap admin', roles: ['admin'], platformAdmin: true }, PLATFORM_CREATOR);
    return key;
  }
}
