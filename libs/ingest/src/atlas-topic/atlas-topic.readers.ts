import type { AtlasConfig, ConnectorsService } from '@tributary/connectors';
import { AtlasTopicConnector, AtlasTopicReader, AtlasTopicReaderDeps } from './atlas-topic.reader';

/** How often the connector list is read again: a connector changed in another process is read (or no longer) within this. */
export const ATLAS_TOPIC_REFRESH_MS = 10_000;

/**
 * One reader (one kafkajs consumer) per enabled `atlas` connector whose config has `kafka`. The list
 * is read again periodically and whenever a connector is changed through this process: a new
 * connector's reader starts, a disabled or deleted one's stops, and a changed one's is started
 * again with its new config (from the group's committed offsets).
 */
export class AtlasTopicReaders {
  private readonly readers = new Map<string, AtlasTopicReader>();
  private timer?: NodeJS.Timeout;
  private unlisten?: () => void;
  private stopped = false;
  // passes run one after another; a change while one runs asks for one more
  private pass: Promise<void> = Promise.resolve();

  constructor(private readonly connectors: ConnectorsService, private readonly deps: AtlasTopicReaderDeps, private readonly refreshMs = ATLAS_TOPIC_REFRESH_MS) {}

  async start(): Promise<void> {
    this.unlisten = this.connectors.onChange(() => void this.refresh());
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unlisten?.();
    await this.pass;
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
    this.readers.clear();
  }

  /** The connectors read now, by id (for tests and the operator's eye). */
  reading(): string[] {
    return [...this.readers.keys()];
  }

  refresh(): Promise<void> {
    this.pass = this.pass.then(() => this.reconcile()).catch((err) =>
      this.deps.warn('reading the atlas connectors failed; the next pass tries again', { error: err instanceof Error ? err.message : String(err) }));
    return this.pass;
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, AtlasTopicConnector>();
    for (const id of await this.connectors.enabledIds('atlas')) {
      try {
        const loaded = await this.connectors.load(id);
        const kafka = (loaded?.config as AtlasConfig | undefined)?.kafka;
        if (!loaded || !loaded.row.enabled || !kafka) continue;
        wanted.set(id, { id, tenantId: loaded.row.tenantId, version: loaded.row.version, kafka });
      } catch (err) {
        // one connector that cannot be loaded now (its secrets, its config) leaves the others, and its own reader, as they are
        const running = this.readers.get(id);
        if (running) wanted.set(id, running.connector);
        this.deps.warn('loading an atlas connector failed; the next pass tries again', { connectorId: id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    for (const [id, reader] of this.readers) {
      if (wanted.get(id)?.version === reader.connector.version) continue;
      this.readers.delete(id);
      await reader.stop();
    }
    if (this.stopped) return;
    for (const [id, connector] of wanted) {
      if (this.readers.has(id)) continue;
      const reader = new AtlasTopicReader(connector, this.deps);
      this.readers.set(id, reader);
      reader.start();
    }
  }
}
