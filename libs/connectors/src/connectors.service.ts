import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { invalid, notFound } from '@tributary/errors';
import { compileOrReject, Expression } from '@tributary/expressions';
import { OutboundError, OutboundHttp } from '@tributary/outbound';
import { AuditRepository, ConnectorRow, ConnectorsRepository, Database, SecretBox, TenantId } from '@tributary/store';
import { ConnectorRegistry } from './connector-registry';
import { extractSecrets, insertSecrets } from './secret-paths';
import { ConnectorDeclaration } from './connector-plugin';
import { CurrentStateSource, HistorySource, IssuedCredentials, SourceConnector, SourceFailed, SourceRateLimited } from './source-connector';
import { TargetConnector, TargetError } from './target-connector';

/** What every connector's config may carry besides its own fields. */
const Common = z.object({
  /** CEL over `event` (the observation): false drops it. */
  filter: z.string().min(1).max(4096).optional(),
  /** CEL over `event`: a map merged over it (null drops it). */
  transform: z.string().min(1).max(4096).optional(),
  /** Supply the webhook's signing secret instead of having one generated. */
  signingSecret: z.string().min(16).max(256).optional(),
});

export interface ConnectorView {
  id: string;
  type: string;
  /** whether it brings events in (source) or sends them out (target: what a notify rule names) */
  kind: 'source' | 'target';
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  /** names of the secrets stored for it (values are never returned) */
  secrets: string[];
  webhookUrl: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A source connector ready for work: its config with secrets, and its compiled transform. */
export interface LoadedConnector {
  row: ConnectorRow;
  plugin: SourceConnector<unknown>;
  config: unknown;
  signingSecret: string;
  filter: Expression | null;
  transform: Expression | null;
}

/** A target connector ready for work: its config with secrets. */
export interface LoadedTarget {
  row: ConnectorRow;
  plugin: TargetConnector<unknown>;
  config: unknown;
  signingSecret: string;
}

/** What a connector's test found: the remote system's verdict in a few words. */
export interface ConnectorTestResult {
  ok: boolean;
  detail: string;
}

type Sealed = { signingSecret: string; secrets: Record<string, string> };

/** How long a loaded connector is used before its stored version is compared again (see `load`). */
export const RECHECK_MS = 1000;

export class ConnectorsService {
  private readonly cache = new Map<string, { loaded: LoadedConnector | LoadedTarget; checkedAt: number }>();
  private readonly changeListeners = new Set<(id: string) => void>();

  constructor(
    private readonly database: Database,
    private readonly repository: ConnectorsRepository,
    private readonly registry: ConnectorRegistry,
    private readonly box: SecretBox,
    private readonly publicUrl: string,
    private readonly outbound: OutboundHttp,
    private readonly audit = new AuditRepository(),
  ) {}

  async create(tenantId: TenantId, actor: string, input: { type: string; name: string; config: Record<string, unknown> }) {
    const plugin = this.registry.get(input.type);
    const { common, pluginConfig } = this.check(plugin, input.config);
    const { rest, secrets } = extractSecrets(pluginConfig, plugin.secretPaths);
    const signingSecret = common.signingSecret ?? randomBytes(32).toString('hex');
    const row = await this.repository.insert(tenantId, {
      id: randomUUID(), type: input.type, name: input.name,
      config: { ...rest, ...expressionsOf(common) },
      secretsSealed: this.box.seal(JSON.stringify({ signingSecret, secrets } satisfies Sealed)),
    });
    await this.record(tenantId, actor, 'connector.create', row.id, { type: row.type, name: row.name });
    this.changed(row.id);
    return { id: row.id, type: row.type, name: row.name, webhookUrl: this.webhookUrl(row), signingSecret, ...credentialsOf(plugin, row.id, signingSecret) };
  }

  async list(tenantId: TenantId): Promise<ConnectorView[]> {
    return (await this.repository.list(tenantId)).map((r) => this.view(r));
  }

  async get(tenantId: TenantId, id: string): Promise<ConnectorView> {
    return this.view(await this.mustGet(tenantId, id));
  }

  /**
   * Changes name, enabled flag and/or config. A new config replaces the old one; a secret it does
   * not repeat is kept, except the secrets sent to a URL the new config changes: those must be
   * entered again (else a stored token could be sent to a new address by whoever may edit the
   * connector). `rotateSigningSecret` issues a new webhook secret (returned once).
   */
  async update(tenantId: TenantId, actor: string, id: string,
    change: { name?: string; enabled?: boolean; config?: Record<string, unknown>; rotateSigningSecret?: boolean }) {
    const row = await this.mustGet(tenantId, id);
    const plugin = this.registry.get(row.type);
    const sealed = JSON.parse(this.box.open(row.secretsSealed)) as Sealed;
    let config = row.config;
    if (change.config) {
      this.requireSecretsForNewUrls(plugin, row.config, sealed.secrets, change.config);
      const { common, pluginConfig } = this.check(plugin, change.config, sealed.secrets);
      const { rest, secrets } = extractSecrets(pluginConfig, plugin.secretPaths);
      sealed.secrets = { ...sealed.secrets, ...secrets };
      if (common.signingSecret) sealed.signingSecret = common.signingSecret;
      config = { ...rest, ...expressionsOf(common) };
    }
    if (change.rotateSigningSecret) sealed.signingSecret = randomBytes(32).toString('hex');
    const updated = await this.repository.update(tenantId, id, {
      name: change.name ?? row.name, enabled: change.enabled ?? row.enabled, config, secretsSealed: this.box.seal(JSON.stringify(sealed)),
    });
    if (!updated) throw connectorNotFound(id);
    this.cache.delete(id);
    await this.record(tenantId, actor, 'connector.update', id, { fields: Object.keys(change) });
    this.changed(id);
    return { ...this.view(updated),
      ...(change.rotateSigningSecret ? { signingSecret: sealed.signingSecret, ...credentialsOf(plugin, id, sealed.signingSecret) } : {}) };
  }

  async remove(tenantId: TenantId, actor: string, id: string): Promise<void> {
    if (!(await this.repository.softDelete(tenantId, id))) throw connectorNotFound(id);
    this.cache.delete(id);
    await this.record(tenantId, actor, 'connector.delete', id, {});
    this.changed(id);
  }

  /** Refuses (422) an id that is not one of the tenant's target connectors: what a notify rule must name. */
  async requireTarget(tenantId: TenantId, id: string): Promise<void> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.repository.get(tenantId, id) : undefined;
    if (!row) throw invalid('unknown_connector', `no connector ${JSON.stringify(id)} in this tenant`, { field: 'action.connectorId' });
    if (this.registry.get(row.type).kind !== 'target') {
      throw invalid('not_a_target', `connector ${id} is a ${row.type} source; notify rules send to targets (${this.targetTypes().join(', ')})`,
        { field: 'action.connectorId' });
    }
  }

  private targetTypes(): string[] {
    return this.registry.types().filter((t) => this.registry.get(t).kind === 'target');
  }

  /** Every tenant's enabled connectors (of one type, when given), by id (load each with `load`): for periodic work such as reconciliation. */
  async enabledIds(type?: string): Promise<string[]> {
    return this.repository.listEnabledIds(type);
  }

  /**
   * Calls `listener` after a connector is created, changed or deleted through this instance (the
   * readers of a connector's own topic start and stop at once; a change made in another process is
   * seen at their next periodic pass). Returns how to stop listening.
   */
  onChange(listener: (id: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(id: string): void {
    for (const listener of this.changeListeners) listener(id);
  }

  /**
   * The connector behind a webhook or a logged delivery, by id alone (before the tenant is known).
   * A change made through this instance is seen at once; one made elsewhere (another api or ingestor
   * process) within RECHECK_MS, when the cached version is next compared with the stored one. Without
   * that window every webhook paid a query of its own: at 500 webhooks a second, a sixth of the api's
   * CPU. So for up to a second after a connector is disabled, deleted or its signing secret rotated in
   * another process, this one may still accept deliveries signed as before (the ingestor parks those
   * of a deleted connector: nothing is lost or applied to another tenant).
   */
  async load(id: string): Promise<LoadedConnector | undefined> {
    const loaded = await this.loadAny(id);
    return loaded && loaded.plugin.kind === 'source' ? loaded as LoadedConnector : undefined;
  }

  /** A target connector by id (the delivery engine's), as `load` reads it; undefined when deleted or not a target. */
  async loadTarget(id: string): Promise<LoadedTarget | undefined> {
    const loaded = await this.loadAny(id);
    return loaded && loaded.plugin.kind === 'target' ? loaded as LoadedTarget : undefined;
  }

  /** Any connector by id, source or target (a webhook's, whose path may name either), as `load` reads it. */
  async loadAny(id: string): Promise<LoadedConnector | LoadedTarget | undefined> {
    const cached = this.cache.get(id);
    if (cached && Date.now() - cached.checkedAt < RECHECK_MS) return cached.loaded;
    const row = await this.repository.findById(id);
    if (!row) {
      this.cache.delete(id);
      return undefined;
    }
    if (cached && cached.loaded.row.version === row.version && cached.loaded.row.enabled === row.enabled) {
      cached.checkedAt = Date.now();
      return cached.loaded;
    }
    const plugin = this.registry.get(row.type);
    const sealed = JSON.parse(this.box.open(row.secretsSealed)) as Sealed;
    let loaded: LoadedConnector | LoadedTarget;
    if (plugin.kind === 'source') {
      const { filter, transform, ...rest } = row.config as { filter?: string; transform?: string };
      loaded = {
        row, plugin, signingSecret: sealed.signingSecret,
        config: plugin.configSchema.parse(insertSecrets(rest, sealed.secrets)),
        filter: filter ? Expression.load(filter, ['event']) : null,
        transform: transform ? Expression.load(transform, ['event']) : null,
      };
    } else {
      loaded = { row, plugin, signingSecret: sealed.signingSecret, config: plugin.configSchema.parse(insertSecrets(row.config, sealed.secrets)) };
    }
    this.cache.set(id, { loaded, checkedAt: Date.now() });
    return loaded;
  }

  /**
   * `POST /v1/connectors/{id}/test`: a target sends a test message or ticket; a source with API
   * credentials reads its recent incidents once. The answer is the remote system's verdict in its
   * own words (its error code or message, never a secret).
   */
  async test(tenantId: TenantId, actor: string, id: string): Promise<ConnectorTestResult> {
    await this.mustGet(tenantId, id);
    const connector = await this.loadAny(id);
    if (!connector) throw connectorNotFound(id);
    let result: ConnectorTestResult;
    if (connector.plugin.kind === 'target') {
      const target = connector as LoadedTarget;
      try {
        result = { ok: true, detail: (await target.plugin.test(target.config, this.outbound)).answer };
      } catch (err) {
        if (!(err instanceof TargetError)) throw err;
        result = { ok: false, detail: err.answer };
      }
    } else {
      // a source read by its current state (Monte Carlo) is tested with it; one with only a history (Okta's directory), with its first page
      const source = this.currentState(connector as LoadedConnector);
      const history = source ? undefined : this.history(connector as LoadedConnector);
      if (!source && !history) {
        throw invalid('nothing_to_test', `connector ${id} has no API credentials to read its source with; send it a webhook to test its webhooks`);
      }
      const since = new Date(Date.now() - 24 * 3_600_000);
      try {
        result = source
          ? { ok: true, detail: `read the source: ${(await source.recent({ since, until: null }, null)).deliveries.length} incident(s) in the last 24 hours on the first page` }
          : { ok: true, detail: `read the source: ${(await history!.page({ since, until: null }, null)).deliveries.length} record(s) on the first page` };
      } catch (err) {
        if (!(err instanceof SourceFailed) && !(err instanceof OutboundError) && !(err instanceof SourceRateLimited)) throw err;
        result = { ok: false, detail: err.message };
      }
    }
    await this.record(tenantId, actor, 'connector.test', id, { ok: result.ok });
    return result;
  }

  /** The tenant of a connector this process has loaded, without a query (for labelling what its webhooks did). */
  loadedTenantOf(id: string): string | undefined {
    return this.cache.get(id)?.loaded.row.tenantId;
  }

  /** The connector's history source, calling out through the platform's outbound policy; undefined without one. */
  history(connector: LoadedConnector): HistorySource | undefined {
    return connector.plugin.history?.(connector.config, this.outbound);
  }

  /** The connector's current-state source (reopen confirmation, reconciliation), through the outbound policy; undefined without credentials. */
  currentState(connector: LoadedConnector): CurrentStateSource | undefined {
    return connector.plugin.currentState?.(connector.config, this.outbound);
  }

  /** A changed outbound URL without its secrets entered again: 422 naming the first missing one. */
  private requireSecretsForNewUrls(plugin: ConnectorDeclaration, stored: Record<string, unknown>, storedSecrets: Record<string, string>,
    next: Record<string, unknown>): void {
    const before = plugin.configSchema.safeParse(insertSecrets(stored, storedSecrets));
    const after = plugin.configSchema.safeParse(insertSecrets(next, storedSecrets));
    for (const field of plugin.outboundUrls ?? []) {
      const from = before.success ? valueAt(before.data, field.path) : undefined;
      const to = after.success ? valueAt(after.data, field.path) : valueAt(next, field.path);
      if (to === undefined || to === from) continue;
      const missing = field.secretPaths.find((p) => valueAt(next, p) === undefined);
      if (missing) {
        throw invalid('secret_required', `config.${missing} must be entered again when config.${field.path} changes: the stored one is not sent to a new address`,
          { field: `config.${missing}`, changed: `config.${field.path}` });
      }
    }
  }

  /**
   * Validates a config: the common fields, the transform's syntax, the connector's own schema, and
   * its outbound URLs. A target takes no filter or transform of its own (its rules filter what it
   * is sent): its schema refuses them as unknown fields.
   */
  private check(plugin: ConnectorDeclaration, config: Record<string, unknown>, storedSecrets: Record<string, string> = {}) {
    const { filter, transform, signingSecret, ...rest } = config;
    const pluginConfig = plugin.kind === 'source' ? rest
      : { ...Object.fromEntries(Object.entries({ filter, transform }).filter(([, v]) => v !== undefined)), ...rest };
    const common = Common.safeParse(plugin.kind === 'source' ? { filter, transform, signingSecret } : { signingSecret });
    if (!common.success) throw configInvalid(common.error, '');
    if (common.data.filter) compileOrReject('config.filter', common.data.filter, ['event']);
    if (common.data.transform) compileOrReject('config.transform', common.data.transform, ['event']);
    // Secrets already stored may be left out of a changed config: validate as if they were there.
    const parsed = plugin.configSchema.safeParse(insertSecrets(pluginConfig, Object.fromEntries(
      Object.entries(storedSecrets).filter(([p]) => !hasPath(pluginConfig, p)))));
    if (!parsed.success) throw configInvalid(parsed.error, '');
    for (const field of plugin.outboundUrls ?? []) {
      const url = valueAt(parsed.data, field.path);
      if (typeof url !== 'string') continue;
      try {
        this.outbound.check(url, field.target);
      } catch (err) {
        if (!(err instanceof OutboundError)) throw err;
        throw invalid('outbound_url_refused', `config.${field.path}: ${err.message}`, { field: `config.${field.path}`, refused: err.refused });
      }
    }
    return { common: common.data, pluginConfig: pluginConfig as Record<string, unknown> };
  }

  private async mustGet(tenantId: TenantId, id: string): Promise<ConnectorRow> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.repository.get(tenantId, id) : undefined;
    if (!row) throw connectorNotFound(id);
    return row;
  }

  private view(r: ConnectorRow): ConnectorView {
    const sealed = JSON.parse(this.box.open(r.secretsSealed)) as Sealed;
    return {
      id: r.id, type: r.type, kind: this.registry.get(r.type).kind, name: r.name, enabled: r.enabled, config: r.config,
      secrets: ['signingSecret', ...Object.keys(sealed.secrets)], webhookUrl: this.webhookUrl(r), version: r.version,
      createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
    };
  }

  private webhookUrl(r: ConnectorRow): string {
    return `${this.publicUrl.replace(/\/$/, '')}/v1/hooks/${r.type}/${r.id}`;
  }

  private async record(tenantId: TenantId, actor: string, action: string, subject: string, details: Record<string, unknown>) {
    await this.database.inTenant(tenantId, (tx) => this.audit.record(tx, { actor, action, subject, details }));
  }
}

const expressionsOf = (c: { filter?: string; transform?: string }) => ({
  ...(c.filter ? { filter: c.filter } : {}),
  ...(c.transform ? { transform: c.transform } : {}),
});

export const connectorNotFound = (id: string) => notFound('connector_not_found', `no connector ${JSON.stringify(id)}`);

function configInvalid(error: z.ZodError, prefix: string) {
  const issues = error.issues.map((i) => ({ path: ['config', prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
  return invalid('invalid_connector_config', `the connector config is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

const valueAt = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined), o);

const hasPath = (o: Record<string, unknown>, path: string): boolean => valueAt(o, path) !== undefined;

/** A source's credentials derived from its signing secret (Okta's SCIM token), shown with the secret. */
const credentialsOf = (plugin: ConnectorDeclaration, id: string, signingSecret: string): IssuedCredentials =>
  (plugin.kind === 'source' && (plugin as SourceConnector).credentials?.(id, signingSecret)) || {};
