import type { OutboundHttp } from '@tributary/outbound';
import type { ConnectorsService } from '../connectors.service';
import type { AtlasApi } from './atlas-api';
import type { AtlasFlavour, BridgeConfig } from './atlas-config';
import { atlasApiOf } from './atlas.connector';

/** A bridge connector ready to call its catalog. */
export interface BridgeConnection {
  flavour: AtlasFlavour;
  config: BridgeConfig;
  api: AtlasApi;
}

interface CachedConnection {
  version: number;
  connection: BridgeConnection;
  /** Atlan's tag display names by hashed id, and when they were read */
  tags?: { readAt: number; names: Map<string, string> };
}

/** How long Atlan's tag type names are trusted before a name not among them makes them be read again. */
const TAG_NAMES_REFRESH_MS = 5_000;

/**
 * The catalog API of each bridge connector (`atlas` or `atlan`), built from its config with its
 * secrets and the platform's outbound policy, kept per connector version (an edited connector gets
 * a new client), and Atlan's tag display names by hashed id, read once and again only when a tag
 * not among them turns up.
 */
export class AtlasApis {
  private readonly cache = new Map<string, CachedConnection>();

  constructor(
    private readonly connectors: ConnectorsService,
    private readonly http: OutboundHttp,
    private readonly build: (flavour: AtlasFlavour, config: BridgeConfig, http: OutboundHttp) => AtlasApi = atlasApiOf,
  ) {}

  /** The connector's catalog connection; undefined for a connector that is gone or not a bridge. */
  async of(connectorId: string): Promise<BridgeConnection | undefined> {
    return (await this.entry(connectorId))?.connection;
  }

  /**
   * Tributary's names of these catalog tag names: upstream Atlas's are the names; Atlan's are hashed
   * ids whose `displayName` is what people see (§1.6). An id Atlan does not list keeps its own name.
   */
  async tagNames(connectorId: string, names: readonly string[]): Promise<Map<string, string>> {
    const entry = await this.entry(connectorId);
    if (!entry || entry.connection.flavour === 'atlas' || names.length === 0) return new Map(names.map((n) => [n, n]));
    const known = entry.tags;
    const missing = !known || names.some((n) => !known.names.has(n));
    if (missing && (!known || Date.now() - known.readAt >= TAG_NAMES_REFRESH_MS)) {
      const types = await entry.connection.api.classificationTypes();
      entry.tags = { readAt: Date.now(), names: new Map(types.map((t) => [t.name, t.displayName || t.name])) };
    }
    return new Map(names.map((n) => [n, entry.tags?.names.get(n) ?? n]));
  }

  private async entry(connectorId: string): Promise<CachedConnection | undefined> {
    const loaded = await this.connectors.loadAny(connectorId);
    if (!loaded || loaded.plugin.kind !== 'source' || (loaded.row.type !== 'atlas' && loaded.row.type !== 'atlan')) {
      this.cache.delete(connectorId);
      return undefined;
    }
    const cached = this.cache.get(connectorId);
    if (cached && cached.version === loaded.row.version) return cached;
    const flavour = loaded.row.type as AtlasFlavour;
    const config = loaded.config as BridgeConfig;
    const fresh: CachedConnection = { version: loaded.row.version, connection: { flavour, config, api: this.build(flavour, config, this.http) } };
    this.cache.set(connectorId, fresh);
    return fresh;
  }
}
