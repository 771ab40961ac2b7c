import { DeadLettersService } from '@tributary/catalog';
import { ConnectorsService, IncidentNotice, LoadedTarget, TargetAnswer, TargetError } from '@tributary/connectors';
import { OutboundHttp } from '@tributary/outbound';
import { CompiledNotifyRule, RulesService } from '@tributary/propagation';
import type { Job, JobOutcome } from '@tributary/queue';
import { Database, DeliveryRow, NotificationDeliveriesRepository, TenantId } from '@tributary/store';
import { NoticeBuilder } from './notice-builder';
import type { OwnerLossPlan } from './owner-loss.planner';
import { DeliverJob, DigestJob } from './notification.jobs';

/** The dead-letter stream of parked deliveries: a replay sends them again. */
export const NOTIFICATIONS_STREAM = 'notifications';
/** A digest sends at most this many incidents; the rest go in the next one. */
const DIGEST_LIMIT = 100;
/** A 429 without Retry-After waits this long, doubled for each one in a row, up to the cap, with jitter. */
const LIMITED_BASE_MS = 1_000;
const LIMITED_CAP_MS = 60_000;
/** A delivery another job is sending is tried again this soon (it does not use up an attempt). */
const BUSY_RETRY_MS = 250;
/**
 * How long a job holds the deliveries it sends: longer than any call to a destination can take (the
 * outbound policy's total timeout, 30 s by default), short enough that a job that died lets go soon.
 */
const CLAIM_LEASE_MS = 120_000;

export interface DeliveryOptions {
  /** tries of a delivery that fails with a retryable error (5xx, timeouts) before it is parked */
  attempts: number;
  /** the wait before the second try; doubled for each further one (the job queue's backoff) */
  backoffMs: number;
}

/**
 * Sends what a delivery wants: the first message or ticket about an incident (`open`), or the
 * change since what it last showed (`update`), or, for a digest rule, one summary of every pending
 * delivery to the destination, or, for a rule on owners lost, the one message about a loss (`announce`). What is sent is read from the store when sending, and recorded with
 * the change sequence it shows, so a job run twice, late or for changes already shown sends nothing
 * more. The destination's verdict decides what follows: sent; tried again later (5xx, timeouts:
 * the job queue's backoff, `attempts` times); waited out (429: its Retry-After, or a backoff with
 * jitter when it names none); parked in the dead letters with its own words (a permanent error,
 * attempts used up, the connector deleted or disabled), to be replayed once the connector is fixed.
 */
export class DeliveryProcessor {
  constructor(
    private readonly database: Database,
    private readonly connectors: ConnectorsService,
    private readonly rules: RulesService,
    private readonly http: OutboundHttp,
    private readonly deadLetters: DeadLettersService,
    private readonly notices: NoticeBuilder,
    private readonly options: DeliveryOptions,
    private readonly deliveries = new NotificationDeliveriesRepository(),
  ) {}

  async deliver(job: Job<DeliverJob>): Promise<JobOutcome> {
    const { tenantId, deliveryId } = job.data;
    const row = await this.database.inTenant(tenantId, (tx) => this.deliveries.claim(tx, deliveryId, CLAIM_LEASE_MS));
    if (row === 'busy') return { status: 'deferred', reason: 'another job is sending this delivery', delayMs: BUSY_RETRY_MS };
    if (!row) return { status: 'skipped', reason: 'no such delivery' };
    try {
      if (row.status === 'parked') return { status: 'skipped', reason: 'parked' };
      if (row.sentSequence >= row.wantedSequence) return { status: 'skipped', reason: 'up to date' };
      const ready = await this.ready(tenantId, [row]);
      if ('outcome' in ready) return ready.outcome;
      const { target, rule } = ready;
      if (row.ownerLoss !== null) return await this.announce(tenantId, target, row, job.attempt);
      const notice = await this.database.inTenant(tenantId, (tx) => this.notices.build(tx, row.incidentId!, { status: row.sentStatus }));
      if (!notice) return await this.park(tenantId, [row], 'the incident no longer exists');
      try {
        const answer = await this.send(target, row, titled(rule, notice));
        await this.database.inTenant(tenantId, (tx) => this.deliveries.record(tx, [row.id], {
          kind: 'sent', sequence: row.wantedSequence, status: notice.status, ref: answer.ref, answer: answer.answer }));
        return { status: 'success' };
      } catch (err) {
        if (!(err instanceof TargetError)) throw err;
        return await this.failed(tenantId, [row], err, job.attempt);
      }
    } finally {
      // what recorded an attempt let go already; any other way out lets go here
      await this.database.inTenant(tenantId, (tx) => this.deliveries.release(tx, [row.id]));
    }
  }

  async digest(job: Job<DigestJob>): Promise<JobOutcome> {
    const { tenantId, ruleId, connectorId } = job.data;
    const rows = await this.database.inTenant(tenantId, (tx) => this.deliveries.claimPending(tx, ruleId, connectorId, DIGEST_LIMIT + 1, CLAIM_LEASE_MS));
    if (rows.length === 0) return { status: 'skipped', reason: 'nothing pending' };
    try {
      const batch = rows.slice(0, DIGEST_LIMIT);
      const ready = await this.ready(tenantId, batch);
      if ('outcome' in ready) return ready.outcome;
      const { target, rule } = ready;
      const notices = await this.database.inTenant(tenantId, (tx) => Promise.all(batch.map((r) => this.notices.build(tx, r.incidentId!, { status: r.sentStatus }))));
      const gone = batch.filter((_, i) => !notices[i]);
      if (gone.length > 0) await this.park(tenantId, gone, 'the incident no longer exists');
      const sending = batch.filter((_, i) => notices[i]);
      if (sending.length === 0) return { status: 'success' };
      const incidents = notices.filter((n): n is IncidentNotice => n !== undefined).map((n) => titled(rule, n));
      try {
        const from = new Date(Math.min(...sending.map((r) => r.updatedAt.getTime())));
        const answer = await target.plugin.digest(target.config, this.http, { from, to: new Date(), incidents });
        await this.database.inTenant(tenantId, async (tx) => {
          for (const [i, r] of sending.entries()) {
            await this.deliveries.record(tx, [r.id], { kind: 'sent', sequence: r.wantedSequence, status: incidents[i].status, ref: null, answer: answer.answer });
          }
        });
        // more than one digest holds: the rest go now, paced only by the destination's rate limit, so a
        // backlog shrinks by a whole digest a send rather than one a window
        return rows.length > DIGEST_LIMIT ? { status: 'deferred', reason: 'a backlog beyond one digest', delayMs: 0 } : { status: 'success' };
      } catch (err) {
        if (!(err instanceof TargetError)) throw err;
        return await this.failed(tenantId, sending, err, job.attempt);
      }
    } finally {
      await this.database.inTenant(tenantId, (tx) => this.deliveries.release(tx, rows.map((r) => r.id)));
    }
  }

  /** A parked delivery's dead letter replayed: it is pending again, and its job is queued. */
  async unpark(tenantId: TenantId, deliveryId: string): Promise<DeliverJob | DigestJob | undefined> {
    const row = await this.database.inTenant(tenantId, (tx) => this.deliveries.unpark(tx, deliveryId));
    if (!row) return undefined;
    return row.digest ? { tenantId, ruleId: row.ruleId, connectorId: row.connectorId } : { tenantId, deliveryId };
  }

  /**
   * An owner lost, told once: the notice planned with the delivery (every asset of the loss), sent as
   * one message. The claim and the recorded sequence keep a second job or a replay from sending it
   * again; an attempt whose answer was lost looks for the issue it may have made first, where the
   * destination can be searched (Jira, by the loss's label).
   */
  private async announce(tenantId: TenantId, target: LoadedTarget, row: DeliveryRow, attempt: number): Promise<JobOutcome> {
    const { plugin, config } = target;
    const lossId = row.ownerLoss!;
    try {
      const found = row.attemptCount > 0 ? await plugin.findAnnouncement?.(config, this.http, lossId) : undefined;
      const answer = found ? { answer: `found ${Object.values(found).join(' ')} from an earlier attempt`, ref: found }
        : await plugin.announce(config, this.http, this.notices.ownerLoss(lossId, row.notice as unknown as OwnerLossPlan));
      await this.database.inTenant(tenantId, (tx) => this.deliveries.record(tx, [row.id], {
        kind: 'sent', sequence: row.wantedSequence, status: null, ref: answer.ref, answer: answer.answer }));
      return { status: 'success' };
    } catch (err) {
      if (!(err instanceof TargetError)) throw err;
      return await this.failed(tenantId, [row], err, attempt);
    }
  }

  /** The target and the rule, or what to do instead: park (connector gone or off), skip (rule gone), wait (rate limit). */
  private async ready(tenantId: TenantId, rows: DeliveryRow[]): Promise<{ target: LoadedTarget; rule: CompiledNotifyRule } | { outcome: JobOutcome }> {
    const { connectorId, ruleId } = rows[0];
    const target = await this.connectors.loadTarget(connectorId);
    if (!target || target.row.tenantId !== tenantId) return { outcome: await this.park(tenantId, rows, `the target connector ${connectorId} was deleted`) };
    if (!target.row.enabled) return { outcome: await this.park(tenantId, rows, `the target connector ${connectorId} is disabled`) };
    const rule = await this.database.inTenant(tenantId, async (tx) => (await this.rules.notifying(tx)).find((r) => r.id === ruleId));
    // a rule deleted or switched off since: what it wanted is no longer wanted
    if (!rule || rule.action.connectorId !== connectorId) return { outcome: { status: 'skipped', reason: `rule ${ruleId} no longer notifies ${connectorId}` } };
    const limit = target.plugin.rateLimit(target.config);
    if (limit.minIntervalMs > 0) {
      const slot = await this.database.inTenant(tenantId, (tx) => this.deliveries.takeSlot(tx, limit.key, limit.minIntervalMs));
      if (!slot.taken) return { outcome: { status: 'deferred', reason: 'the destination\'s rate limit', delayMs: Math.max(1, slot.freeAt.getTime() - Date.now()) } };
    }
    return { target, rule };
  }

  /**
   * The first message, or the change since the last. A first message after an earlier attempt
   * that may have reached the destination (its answer lost) looks for that message first, where
   * the destination can be searched, so a retry never opens a second one.
   */
  private async send(target: LoadedTarget, row: DeliveryRow, notice: IncidentNotice): Promise<TargetAnswer> {
    const { plugin, config } = target;
    if (row.sentSequence > 0) return plugin.update(config, this.http, row.ref, notice);
    const found = row.attemptCount > 0 ? await plugin.find?.(config, this.http, row.incidentId!) : undefined;
    return found ? plugin.update(config, this.http, found, notice) : plugin.open(config, this.http, notice);
  }

  private async failed(tenantId: TenantId, rows: DeliveryRow[], err: TargetError, attempt: number): Promise<JobOutcome> {
    const ids = rows.map((r) => r.id);
    if (err.retry === 'never') return this.park(tenantId, rows, err.answer);
    if (err.retry === 'after') {
      const limited = Math.max(...rows.map((r) => r.limitedCount));
      const delayMs = err.retryAfterMs ?? Math.min(LIMITED_CAP_MS, LIMITED_BASE_MS * 2 ** limited) * (0.5 + Math.random());
      await this.database.inTenant(tenantId, (tx) => this.deliveries.record(tx, ids, { kind: 'rate_limited', answer: err.answer,
        nextAttemptAt: new Date(Date.now() + delayMs) }));
      // a 429 is the destination's own pacing, not a failure: it does not use up an attempt
      return { status: 'deferred', reason: `rate limited: ${err.answer}`, delayMs };
    }
    if (attempt >= this.options.attempts) return this.park(tenantId, rows, `${err.answer} (after ${attempt} attempts)`);
    const delayMs = this.options.backoffMs * 2 ** (attempt - 1);
    await this.database.inTenant(tenantId, (tx) => this.deliveries.record(tx, ids, { kind: 'failed', answer: err.answer,
      nextAttemptAt: new Date(Date.now() + delayMs) }));
    return { status: 'failed', reason: err.answer, retry: true };
  }

  private async park(tenantId: TenantId, rows: DeliveryRow[], reason: string): Promise<JobOutcome> {
    await this.database.inTenant(tenantId, (tx) => this.deliveries.record(tx, rows.map((r) => r.id), { kind: 'parked', answer: reason }));
    for (const r of rows) {
      await this.deadLetters.park(tenantId, NOTIFICATIONS_STREAM, `delivery to connector ${r.connectorId} parked: ${reason}`,
        { deliveryId: r.id, ruleId: r.ruleId, connectorId: r.connectorId, ...(r.ownerLoss !== null ? { ownerLoss: r.ownerLoss } : { incidentId: r.incidentId }) });
    }
    return { status: 'skipped', reason: `parked: ${reason}` };
  }
}

/** The rule's title template over the incident and its first asset, when it has one (a template that fails leaves the incident's title). */
function titled(rule: CompiledNotifyRule, notice: IncidentNotice): IncidentNotice {
  if (!rule.title) return notice;
  try {
    const title = rule.title.evaluate({ incident: { ...notice, changedAt: notice.changedAt.toISOString() }, asset: notice.assets[0] ?? null });
    return typeof title === 'string' && title.length > 0 ? { ...notice, title } : notice;
  } catch {
    return notice;
  }
}
