import { randomUUID } from 'node:crypto';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { DeadLettersService, timeIdCursor } from '@tributary/catalog';
import { ConnectorsService, inboundHeaders, SourceRateLimited } from '@tributary/connectors';
import { invalid, notFound } from '@tributary/errors';
import { EventLog } from '@tributary/eventlog';
import { DeadJob, Job, JobOutcome, JobQueue } from '@tributary/queue';
import { BackfillRow, BackfillsRepository, Database, TenantId } from '@tributary/store';
import { INBOUND_STREAM } from './inbound.processor';

export const BACKFILL_QUEUE = 'backfill';

export interface BackfillJob {
  tenantId: TenantId;
  backfillId: string;
}

export interface BackfillView {
  id: string;
  connectorId: string;
  since: string;
  until: string | null;
  status: BackfillRow['status'];
  pages: number;
  observations: number;
  attempts: number;
  rateLimited: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** Longest single wait for a source that asked us to slow down; beyond it the job yields and retries later. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_WAITS_PER_RUN = 50;
/**
 * A run's lease on its backfill, renewed before every page and every rate-limit wait: longer than
 * the longest wait plus a page, so that a run waiting out a 429 keeps it, and short enough that the
 * backfill of a run whose process died is taken up again by its retried job a few minutes later.
 */
const RUN_LEASE_MS = 2 * MAX_RATE_LIMIT_WAIT_MS + 60_000;

/**
 * Backfills re-read a source's history through the same path as its webhooks: each page's items
 * are appended to the inbound log, and the ingestor applies them (idempotently, so an overlap with
 * webhooks or a retried page changes nothing). The cursor is saved after each page: a job that
 * fails is retried with backoff and resumes where it stopped; a 429 makes it wait as long as the
 * source asked and go on. One run per backfill at a time: a run holds the backfill's lease (see
 * RUN_LEASE_MS), and another delivery of its job skips while it does.
 */
export class BackfillsService {
  constructor(
    private readonly database: Database,
    private readonly connectors: ConnectorsService,
    private readonly log: EventLog,
    private readonly queue: JobQueue,
    private readonly deadLetters: DeadLettersService,
    private readonly backfills = new BackfillsRepository(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async create(tenantId: TenantId, actor: string, input: { connectorId: string; since: Date; until?: Date }): Promise<{ id: string }> {
    if (input.until && input.until <= input.since) throw invalid('invalid_range', '`until` must be after `since`');
    const connector = await this.connectors.load(input.connectorId);
    if (!connector || connector.row.tenantId !== tenantId) throw notFound('connector_not_found', `no connector ${JSON.stringify(input.connectorId)}`);
    if (!this.connectors.history(connector)) {
      throw invalid('no_history', `connector ${input.connectorId} cannot read its source's history: give it API credentials (${connector.row.type})`);
    }
    const id = randomUUID();
    await this.database.inTenant(tenantId, (tx) => this.backfills.insert(tx, { id, connectorId: input.connectorId, since: input.since,
      until: input.until ?? null, createdBy: actor }));
    await this.queue.enqueue<BackfillJob>(BACKFILL_QUEUE, [{ data: { tenantId, backfillId: id }, dedupKey: `${tenantId}/${id}` }]);
    return { id };
  }

  async get(tenantId: TenantId, id: string): Promise<BackfillView> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.database.inTenant(tenantId, (tx) => this.backfills.get(tx, id)) : undefined;
    if (!row) throw notFound('backfill_not_found', `no backfill ${JSON.stringify(id)} in this tenant`);
    return view(row);
  }

  /** The tenant's backfills, newest first, a page at a time. */
  async list(tenantId: TenantId, limit: number, cursor?: string): Promise<{ items: BackfillView[]; nextCursor: string | null }> {
    const before = cursor ? timeIdCursor.decode(cursor) : undefined;
    const rows = await this.database.inTenant(tenantId, (tx) => this.backfills.list(tx, limit + 1, before && { createdAt: before.at, id: before.id }));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(view), nextCursor: rows.length > limit ? timeIdCursor.encode(last.createdAt, last.id) : null };
  }

  /** The job: page until the end of the range, saving the cursor after every page, holding the backfill's run lease throughout. */
  async run(job: Job<BackfillJob>): Promise<JobOutcome> {
    const { tenantId, backfillId } = job.data;
    const row = await this.database.inTenant(tenantId, (tx) => this.backfills.get(tx, backfillId));
    if (!row) return { status: 'skipped', reason: 'backfill no longer exists' };
    if (row.status === 'succeeded' || row.status === 'failed') return { status: 'skipped', reason: `backfill already ${row.status}` };
    // One run at a time: a second delivery of the job (a redelivery after a lock expired, a replay) would page beside this one.
    const owner = randomUUID();
    const lease = () => this.database.inTenant(tenantId, (tx) => this.backfills.lease(tx, backfillId, owner, RUN_LEASE_MS));
    if (!await lease()) return { status: 'skipped', reason: 'another run of this backfill holds its lease' };
    try {
      return await this.page(tenantId, backfillId, row, lease);
    } finally {
      await this.database.inTenant(tenantId, (tx) => this.backfills.releaseLease(tx, backfillId, owner)).catch(() => undefined);
    }
  }

  /** Pages from the saved cursor to the end of the range, renewing the run's lease before each page and each wait. */
  private async page(tenantId: TenantId, backfillId: string, row: BackfillRow, lease: () => Promise<boolean>): Promise<JobOutcome> {
    const connector = await this.connectors.load(row.connectorId);
    const source = connector && this.connectors.history(connector);
    if (!connector || !source) return { status: 'failed', reason: 'the connector was deleted or lost its API credentials', retry: false };
    await this.database.inTenant(tenantId, (tx) => this.backfills.start(tx, backfillId));

    const lost: JobOutcome = { status: 'skipped', reason: 'the run outlived its lease and another run took the backfill' };
    let after = row.cursor.after ?? null;
    let waits = 0;
    for (;;) {
      if (!await lease()) return lost;
      let page;
      try {
        page = await source.page({ since: row.since, until: row.until }, after);
      } catch (err) {
        if (err instanceof SourceRateLimited && waits < MAX_RATE_LIMIT_WAITS_PER_RUN) {
          waits += 1;
          await this.database.inTenant(tenantId, (tx) => this.backfills.noteRateLimited(tx, backfillId));
          if (!await lease()) return lost;
          await this.sleep(Math.min(err.retryAfterMs, MAX_RATE_LIMIT_WAIT_MS));
          continue;
        }
        await this.database.inTenant(tenantId, (tx) => this.backfills.noteError(tx, backfillId, String((err as Error).message ?? err)));
        throw err;
      }
      const deliveries: InboundDelivery[] = page.deliveries.map((d) => ({
        id: randomUUID(), tenant: tenantId, connectorId: row.connectorId, connectorType: connector.row.type, via: 'backfill',
        receivedAt: new Date(), contentType: d.contentType, body: d.body, traceparent: null,
      }));
      await this.log.append(INBOUND_STREAM, deliveries.map((d) => ({
        tenantId, key: `${row.connectorId}/backfill/${backfillId}`, value: inboundDeliveryCodec.encode(d), headers: inboundHeaders(d),
      })));
      await this.database.inTenant(tenantId, (tx) => this.backfills.savePage(tx, backfillId, { after: page.next }, deliveries.length));
      if (page.next === null) break;
      after = page.next;
    }
    await this.database.inTenant(tenantId, (tx) => this.backfills.finish(tx, backfillId, 'succeeded', null));
    return { status: 'success' };
  }

  /** Replay of a failed backfill: queued again, it resumes from its saved cursor. */
  async requeue(job: BackfillJob): Promise<void> {
    await this.database.inTenant(job.tenantId, (tx) => this.backfills.requeue(tx, job.backfillId));
    await this.queue.enqueue<BackfillJob>(BACKFILL_QUEUE, [{ data: job, dedupKey: `${job.tenantId}/${job.backfillId}` }]);
  }

  /**
   * A backfill job out of attempts: parked for a replay, then marked failed with its last reason. In
   * that order, a backfill that shows as failed always has its dead letter (the other order left a
   * moment, or after a crash for good, where it was failed with nothing to replay).
   */
  async onDead(job: DeadJob<BackfillJob>): Promise<void> {
    const { tenantId, backfillId } = job.data;
    await this.deadLetters.park(tenantId, `jobs:${BACKFILL_QUEUE}`, `backfill failed after ${job.attempt} attempts: ${job.reason}`, job.data);
    await this.database.inTenant(tenantId, (tx) => this.backfills.finish(tx, backfillId, 'failed', job.reason));
  }
}

const view = (r: BackfillRow): BackfillView => ({
  id: r.id, connectorId: r.connectorId, since: r.since.toISOString(), until: r.until?.toISOString() ?? null, status: r.status,
  pages: r.pages, observations: r.observations, attempts: r.attempts, rateLimited: r.rateLimited, lastError: r.lastError,
  createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null,
});
