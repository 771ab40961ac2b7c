import { Client } from 'pg';
import { EventLog, NewRecord, retryPause } from '@tributary/eventlog';
import {
  Backoff, ChangeEvent, changeEventPayload, ChangeEventsRepository, Database, IncidentFactsRepository, RelayOffsetsRepository,
  StoredIncidentFact, TenantId, TenantsRepository,
} from '@tributary/store';

export const CHANGES_STREAM = 'changes';
export const INCIDENT_FACTS_STREAM = 'incident-facts';
const CHANNEL = 'tributary_changes';
const BATCH = 1000;
const IDLE_POLL_MS = 1000;
/** How long the relay waits after a batch while propagation work of its process runs. */
const YIELD_MS = 500;
const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 60_000 };

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

/** The incident-facts record of an outbox fact: the stored Avro body, keyed by tenant and incident (as Debezium keys it). */
export function incidentFactRecord(tenantId: TenantId, f: StoredIncidentFact): NewRecord {
  return {
    tenantId,
    key: f.key,
    value: f.payload,
    headers: { ce_specversion: '1.0', ce_id: f.id, ce_type: 'incident.fact', ce_source: `/tenants/${tenantId}`, ce_time: f.time.toISOString(),
      ce_tenant: tenantId, 'content-type': 'application/avro', ...(f.traceparent ? { traceparent: f.traceparent } : {}) },
  };
}

/** Options of a relay beyond its connections. */
export interface ChangeRelayOptions {
  /** A round over the tenants ended (whatever the failing tenants): the relay's progress, for the stall watch. */
  onRound?: () => void;
  /** A failing tenant's wait before its next try, after each failure in a row (default 1 s doubling to 60 s). */
  backoff?: Backoff;
}

/**
 * The embedded change capture: copies each tenant's outbox (change_events, gap-free sequences per
 * tenant) into the `changes` stream of the event log, in order, at least once, and remembers how far
 * it got; the incident facts written with those changes (incident_facts, under the same sequences)
 * go to the `incident-facts` stream in the same move. In distributed mode Debezium's outbox router
 * does this job instead.
 *
 * A tenant whose relay fails (its database unreachable) is left out of the rounds until its backoff
 * has passed, and the other tenants are relayed meanwhile; it resumes from its stored position, so
 * its changes come in order and none is skipped. Nothing ends the relay's loop but stop(): a round
 * that fails as a whole (the control database unreachable) is reported and tried again.
 */
export class ChangeRelay {
  private running = false;
  private loop?: Promise<void>;
  private listener?: Client;
  private wake: () => void = () => {};
  private notified = false;
  /** Tenants whose last relay failed: how often in a row, and not before when to try again. */
  private readonly failing = new Map<TenantId, { failures: number; retryAt: number }>();

  private readonly changes = new ChangeEventsRepository();
  private readonly facts = new IncidentFactsRepository();
  private readonly offsets: RelayOffsetsRepository;
  private readonly tenantList: TenantsRepository;

  /**
   * `busy` says when propagation work of this process should go first: then the relay waits
   * YIELD_MS after each batch it moved. Copying a 100,000-asset fan-out's own change events beside
   * its apply jobs took about a third of the fan-out's time on two cores (measured: 16.6 s → 11.0 s
   * with the relay held back); other changes wait at most YIELD_MS a batch meanwhile.
   */
  constructor(private readonly database: Database, private readonly log: EventLog, private readonly url: string,
    private readonly onError: (err: unknown, tenantId?: TenantId) => void, private readonly busy: () => boolean = () => false,
    private readonly options: ChangeRelayOptions = {}) {
    this.offsets = new RelayOffsetsRepository(database);
    this.tenantList = new TenantsRepository(database);
  }

  async start(): Promise<void> {
    this.running = true;
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
      await this.listen();
      let moved = 0;
      try {
        for (const { id: tenantId } of await this.tenantList.list()) {
          if (!this.running) break;
          moved += await this.relayUnlessWaiting(tenantId);
        }
        this.options.onRound?.();
      } catch (err) {
        this.onError(err);
      }
      if (moved === 0) await this.pause(IDLE_POLL_MS, true);
      else if (this.busy()) await this.pause(YIELD_MS, false);
    }
  }

  /** Relays the tenant unless it failed and its backoff has not passed; a failure starts (or lengthens) its backoff. */
  private async relayUnlessWaiting(tenantId: TenantId): Promise<number> {
    const failing = this.failing.get(tenantId);
    if (failing && failing.retryAt > Date.now()) return 0;
    try {
      const moved = await this.relay(tenantId);
      this.failing.delete(tenantId);
      return moved;
    } catch (err) {
      const failures = (failing?.failures ?? 0) + 1;
      const { baseMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
      this.failing.set(tenantId, { failures, retryAt: Date.now() + retryPause(failures, baseMs, maxMs) });
      this.onError(err, tenantId);
      return 0;
    }
  }

  /**
   * Relays up to one batch of a tenant's changes; returns how many. Every propagator runs a relay:
   * the tenant's position is read and moved under its lock (see RelayOffsetsRepository.advance), and
   * a relay that finds the lock taken leaves the tenant to the other.
   */
  private async relay(tenantId: TenantId): Promise<number> {
    let moved = 0;
    await this.offsets.advance(tenantId, async (after) => {
      // the facts of the events read, in the same transaction (a fact commits with its event)
      const { events, facts } = await this.database.inTenant(tenantId, async (tx) => {
        const read = await this.changes.listAfter(tx, after, BATCH);
        return { events: read, facts: read.length === 0 ? [] : await this.facts.listBetween(tx, after, read[read.length - 1].sequence) };
      });
      if (events.length === 0) return undefined;
      const last = events[events.length - 1].sequence;
      await this.log.append(CHANGES_STREAM, events.map((e) => changeRecord(tenantId, e)));
      if (facts.length > 0) await this.log.append(INCIDENT_FACTS_STREAM, facts.map((f) => incidentFactRecord(tenantId, f)));
      moved = events.length;
      return last;
    });
    return moved;
  }

  /**
   * Listens for committed changes, connecting (again) when the connection is missing or was lost;
   * without it the relay still finds changes at its next poll.
   */
  private async listen(): Promise<void> {
    if (this.listener) return;
    const listener = new Client({ connectionString: this.url, application_name: 'tributary-relay', connectionTimeoutMillis: 10_000, keepAlive: true });
    const lost = () => {
      if (this.listener === listener) this.listener = undefined;
      void listener.end().catch(() => undefined);
    };
    listener.on('error', lost);
    listener.on('end', lost);
    listener.on('notification', () => { this.notified = true; this.wake(); });
    try {
      await listener.connect();
      await listener.query(`LISTEN ${CHANNEL}`);
      this.listener = listener;
    } catch (err) {
      await listener.end().catch(() => undefined);
      this.onError(err);
    }
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
