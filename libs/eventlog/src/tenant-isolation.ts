import type { Backoff, HeldRecordsRepository, TenantId } from '@tributary/store';
import { LogRecord, Stream } from './event-log';

/** Where held records are kept: the store's HeldRecordsRepository. */
export type HeldRecords = Pick<HeldRecordsRepository, 'heldAmong' | 'hold' | 'due' | 'claim' | 'oldest' | 'release' | 'fail' | 'tenantCount'>;

export interface TenantIsolationOptions {
  /** the consumer group and stream whose handler this isolates (held records are kept per group and stream) */
  group: string;
  stream: Stream;
  /** held records handed back to the handler at once */
  batchSize: number;
  /** a held tenant's wait before its next retry, after each failure in a row */
  backoff: Backoff;
  /** how often the retrier looks for held tenants whose retry is due (default 1 s) */
  retryPollMs?: number;
  /** handling a tenant's records failed: they are held (or stay held), and retried on the tenant's backoff */
  onTenantFailed: (tenantId: TenantId, err: unknown, records: number) => void;
  /** the retrier itself failed (the control database unreachable); it tries again at its next look */
  onError: (err: unknown) => void;
}

/** How long a retrier may hand one tenant's held records to the handler before another may take them over. */
const DRAIN_LEASE_MS = 5 * 60_000;
/** Held tenants looked at per round of the retrier. */
const DUE_PER_ROUND = 100;

/**
 * Keeps one tenant's failure from holding up the others on a stream. The consumer's handler is
 * called a tenant at a time; when it throws for a tenant (its database unreachable, a batch that
 * fails), that tenant's records are held: stored in the control database and the batch goes on, so
 * the offset moves past them for everyone. While a tenant has held records, its new records are held
 * too, behind them, so its order is kept. A retrier hands each held tenant's records back to the
 * handler, oldest first, on the tenant's own backoff (doubling up to a cap), and releases them only
 * once the handler succeeded: at least once, in order, nothing skipped. If the records cannot be
 * held (the control database is down too), the handler's error is thrown, and the whole batch is
 * retried as before.
 *
 * A handler must stay safe to call again with records it already handled (the consumer contract):
 * a tenant's records handled before a failure later in its group are handed back with the others.
 */
export class TenantIsolation {
  private running = false;
  private loop?: Promise<void>;
  private wake: () => void = () => {};

  constructor(private readonly held: HeldRecords, private readonly handler: (batch: LogRecord[]) => Promise<void>,
    private readonly options: TenantIsolationOptions) {}

  /** The consumer's handler: the wrapped handler, a tenant at a time, holding back the tenants that fail. */
  readonly handle = async (batch: LogRecord[]): Promise<void> => {
    const { group, stream } = this.options;
    const byTenant = new Map<TenantId, LogRecord[]>();
    for (const record of batch) {
      const records = byTenant.get(record.tenantId);
      if (records) records.push(record);
      else byTenant.set(record.tenantId, [record]);
    }
    const held = await this.held.heldAmong(group, stream, [...byTenant.keys()]);
    for (const [tenantId, records] of byTenant) {
      if (held.has(tenantId)) {
        await this.held.hold(group, stream, tenantId, records, null);
        continue;
      }
      try {
        await this.handler(records);
      } catch (err) {
        await this.held.hold(group, stream, tenantId, records, { error: describe(err), backoff: this.options.backoff });
        this.options.onTenantFailed(tenantId, err, records.length);
      }
    }
  };

  /** Tenants with held records (readiness, metrics). */
  heldTenants(): Promise<number> {
    return this.held.tenantCount(this.options.group, this.options.stream);
  }

  /** Starts the retrier. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.retryDue();
        } catch (err) {
          this.options.onError(err);
        }
        await this.pause(this.options.retryPollMs ?? 1000);
      }
    })();
  }

  /** Stops the retrier, letting a handler call in progress finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async retryDue(): Promise<void> {
    const { group, stream } = this.options;
    for (const tenantId of await this.held.due(group, stream, DUE_PER_ROUND)) {
      if (!this.running) return;
      // one retrier at a time per tenant (others may run in other processes): the tenant's order
      if (await this.held.claim(group, stream, tenantId, DRAIN_LEASE_MS)) await this.drain(tenantId);
    }
  }

  /** Hands the tenant's held records back, a batch at a time, until none are left or the handler fails. */
  private async drain(tenantId: TenantId): Promise<void> {
    const { group, stream, batchSize } = this.options;
    for (;;) {
      const held = await this.held.oldest(group, stream, tenantId, batchSize);
      try {
        if (held.length > 0) await this.handler(held.map((r) => ({ ...r, stream })));
      } catch (err) {
        await this.held.fail(group, stream, tenantId, describe(err), this.options.backoff);
        this.options.onTenantFailed(tenantId, err, held.length);
        return;
      }
      await this.held.release(group, stream, tenantId, held.map((r) => r.offset));
      if (held.length < batchSize || !this.running) return;
      // release() let the lease go: take it again for the next batch, unless another retrier did
      if (!await this.held.claim(group, stream, tenantId, DRAIN_LEASE_MS)) return;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      const timer = setTimeout(resolve, ms);
      this.wake = () => { clearTimeout(timer); resolve(); };
    });
  }
}

/** What is kept of a failure with the held tenant (for operators; never shown to API clients). */
const describe = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 500);
