import { Client } from 'pg';
import { EventLog, NewRecord } from '@tributary/eventlog';
import {
  ChangeEvent, changeEventPayload, ChangeEventsRepository, Database, RelayOffsetsRepository, TenantId, TenantsRepository,
} from '@tributary/store';

export const CHANGES_STREAM = 'changes';
const CHANNEL = 'tributary_changes';
const BATCH = 1000;
const IDLE_POLL_MS = 1000;
/** How long the relay waits after a batch while propagation work of its process runs. */
const YIELD_MS = 500;

/**
 * The change log record of an outbox event: the Avro body stored with the row (encoded here only for
 * rows written before bodies were stored), CloudEvents headers. Keyed by subject, as Debezium's outbox
 * router keys by one column: one asset's changes share a partition and stay in order (tenants that
 * share a topic are told apart by the `tenant` header, not the key).
 */
export function changeRecord(tenantId: TenantId, e: ChangeEvent): NewRecord {
  return {
    tenantId,
    key: e.subject,
    value: e.payload ?? changeEventPayload(tenantId, e.sequence, e),
    headers: { ce_specversion: '1.0', ce_id: e.id, ce_type: e.type, ce_source: `/tenants/${tenantId}`, ce_subject: e.subject,
      ce_time: e.time.toISOString(), ce_tenant: tenantId, 'content-type': 'application/avro', ...(e.traceparent ? { traceparent: e.traceparent } : {}) },
  };
}

/**
 * The embedded change capture: copies each tenant's outbox (change_events, gap-free sequences per
 * tenant) into the `changes` stream of the event log, in order, at least once, and remembers how far
 * it got. In distributed mode Debezium's outbox router does this job instead.
 */
export class ChangeRelay {
  private running = false;
  private loop?: Promise<void>;
  private listener?: Client;
  private wake: () => void = () => {};
  private notified = false;

  private readonly changes = new ChangeEventsRepository();
  private readonly offsets: RelayOffsetsRepository;
  private readonly tenantList: TenantsRepository;

  /**
   * `busy` says when propagation work of this process should go first: then the relay waits
   * YIELD_MS after each batch it moved. Copying a 100,000-asset fan-out's own change events beside
   * its apply jobs took about a third of the fan-out's time on two cores (measured: 16.6 s → 11.0 s
   * with the relay held back); other changes wait at most YIELD_MS a batch meanwhile.
   */
  constructor(private readonly database: Database, private readonly log: EventLog, private readonly url: string,
    private readonly onError: (err: unknown) => void, private readonly busy: () => boolean = () => false) {
    this.offsets = new RelayOffsetsRepository(database);
    this.tenantList = new TenantsRepository(database);
  }

  async start(): Promise<void> {
    this.running = true;
    this.listener = new Client({ connectionString: this.url });
    this.listener.on('error', () => undefined);
    await this.listener.connect();
    this.listener.on('notification', () => { this.notified = true; this.wake(); });
    await this.listener.query(`LISTEN ${CHANNEL}`);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.notified = false;
      let moved = 0;
      try {
        for (const tenantId of await this.tenants()) moved += await this.relay(tenantId);
      } catch (err) {
        this.onError(err);
      }
      if (moved === 0) await this.pause(IDLE_POLL_MS, true);
      else if (this.busy()) await this.pause(YIELD_MS, false);
    }
  }

  /**
   * Relays up to one batch of a tenant's changes; returns how many. Every propagator runs a relay:
   * a relay holds the tenant's advisory lock from reading the offset to moving it (a relay that finds
   * it taken leaves the tenant to the other), so two relays never append the same batch twice nor
   * move the offset back. A relay that dies mid-batch loses its lock with its connection; the batch
   * is then appended again (at least once). An advisory lock, not a row lock: a row lock gives the
   * transaction an id before the append commits, and the embedded event log's readers see nothing
   * newer than the oldest transaction in progress, so they would miss the append's wake-up and find
   * it only at their next poll.
   */
  private async relay(tenantId: TenantId): Promise<number> {
    let moved = 0;
    await this.offsets.advance(tenantId, async (relayed) => {
      const events = await this.database.inTenant(tenantId, (tx) => this.changes.listAfter(tx, relayed, BATCH));
      if (events.length === 0) return undefined;
      await this.log.append(CHANGES_STREAM, events.map((e) => changeRecord(tenantId, e)));
      moved = events.length;
      return events[events.length - 1].sequence;
    });
    return moved;
  }

  private async tenants(): Promise<TenantId[]> {
    return (await this.tenantList.list()).map((t) => t.id);
  }

  /** Waits `ms`, or less when stopped or (if `onNotify`) when a change is committed. */
  private pause(ms: number, onNotify: boolean): Promise<void> {
    return new Promise((resolve) => {
      if ((onNotify && this.notified) || !this.running) return resolve();
      const timer = setTimeout(() => { this.wake = () => {}; resolve(); }, ms);
      this.wake = () => {
        if (onNotify || !this.running) { clearTimeout(timer); this.wake = () => {}; resolve(); }
      };
    });
  }
}
