import { STREAMS } from '@tributary/eventlog';
import { Database, HeldBackStream, RetentionRepository, TenantId, TenantsRepository, TenantTx } from '@tributary/store';

const DAY_MS = 86_400_000;
/**
 * Pipeline latency minutes are kept a day longer than the longest window GET /v1/metrics/lag answers
 * (7 days, rounded out to whole minutes): not a setting, as nothing reads them further back and
 * keeping them shorter would make that window answer wrong.
 */
export const PIPELINE_LATENCY_DAYS = 8;

/** How long each kind of record is kept, in days (0: forever), and how many rows one DELETE takes at most. */
export interface RetentionPolicy {
  eventLogDays: number;
  deliveryKeysDays: number;
  outboxDays: number;
  deadLettersDays: number;
  auditDays: number;
  batchSize: number;
  /** `relay`: an outbox event may go only once the embedded relay has copied it; `debezium`: by age alone */
  changeCapture: 'relay' | 'debezium';
}

/** The tables retention prunes: the label of `tributary_retention_pruned_rows_total`. */
export type PrunedTable = 'event_log' | 'processed_events' | 'directory_events' | 'change_events' | 'dead_letters' | 'ignored_deliveries' | 'notification_deliveries'
  | 'audit_log' | 'pipeline_latency';

export interface RetentionReport {
  pruned: Record<PrunedTable, number>;
  /** what could not be pruned this run (`event log`, `tenant <id>`): the next run tries again */
  failures: { scope: string; error: string }[];
  /** streams whose old records a consumer group has not passed (a retired group keeps them until its position is deleted) */
  heldBack: HeldBackStream[];
}

/**
 * Prunes what has outlived its retention: the embedded event log (records every consumer group has
 * passed), and per tenant, in every placement, processed delivery keys, the outbox (the change feed),
 * dead letters, ignored deliveries, finished notification deliveries, the audit log and pipeline
 * latency (PIPELINE_LATENCY_DAYS). Each table is emptied of its old rows a batch at a time, each batch
 * its own short transaction, so the hot path's writes never wait behind a long DELETE. A tenant whose
 * data cannot be reached is reported and skipped; the others are pruned as usual.
 */
export class RetentionService {
  constructor(
    private readonly database: Database,
    private readonly policy: RetentionPolicy,
    private readonly onPruned: (table: PrunedTable, rows: number) => void = () => {},
    private readonly retention = new RetentionRepository(database),
    private readonly tenants = new TenantsRepository(database),
  ) {}

  /** One pass over everything; idempotent, so a run repeated or cut short does no harm. */
  async run(now = new Date()): Promise<RetentionReport> {
    const report: RetentionReport = {
      pruned: { event_log: 0, processed_events: 0, directory_events: 0, change_events: 0, dead_letters: 0, ignored_deliveries: 0, notification_deliveries: 0, audit_log: 0,
        pipeline_latency: 0 },
      failures: [], heldBack: [],
    };
    const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const attempt = async (scope: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (err) {
        report.failures.push({ scope, error: (err as Error).message });
      }
    };
    const { eventLogDays, deliveryKeysDays, outboxDays, deadLettersDays, auditDays } = this.policy;
    if (eventLogDays > 0) {
      await attempt('event log', async () => {
        for (const stream of STREAMS) {
          await this.drain(report, 'event_log', () => this.retention.pruneEventLog(stream, before(eventLogDays), this.policy.batchSize));
          const held = await this.retention.heldBack(stream, before(eventLogDays));
          if (held) report.heldBack.push(held);
        }
      });
    }
    // every tenant, whatever its placement (pooled, schema, dedicated): inTenant finds its data
    for (const { id: tenantId } of await this.tenants.list()) {
      await attempt(`tenant ${tenantId}`, async () => {
        if (deliveryKeysDays > 0) {
          await this.drainTenant(report, 'processed_events', tenantId, (tx, n) => this.retention.pruneDeliveryKeys(tx, before(deliveryKeysDays), n));
          await this.drainTenant(report, 'directory_events', tenantId, (tx, n) => this.retention.pruneDirectoryEvents(tx, before(deliveryKeysDays), n));
        }
        if (outboxDays > 0) {
          const upTo = this.policy.changeCapture === 'relay' ? await this.retention.relayedUpTo(tenantId) : null;
          await this.drainTenant(report, 'change_events', tenantId, (tx, n) => this.retention.pruneOutbox(tx, before(outboxDays), upTo, n));
        }
        if (deadLettersDays > 0) {
          await this.drainTenant(report, 'dead_letters', tenantId, (tx, n) => this.retention.pruneDeadLetters(tx, before(deadLettersDays), n));
          await this.drainTenant(report, 'ignored_deliveries', tenantId, (tx, n) => this.retention.pruneIgnoredDeliveries(tx, before(deadLettersDays), n));
          await this.drainTenant(report, 'notification_deliveries', tenantId,
            (tx, n) => this.retention.pruneNotificationDeliveries(tx, before(deadLettersDays), n));
        }
        if (auditDays > 0) await this.drainTenant(report, 'audit_log', tenantId, (tx, n) => this.retention.pruneAudit(tx, before(auditDays), n));
        await this.drainTenant(report, 'pipeline_latency', tenantId, (tx, n) => this.retention.prunePipelineLatency(tx, before(PIPELINE_LATENCY_DAYS), n));
      });
    }
    return report;
  }

  /** Each batch in its own tenant transaction. */
  private drainTenant(report: RetentionReport, table: PrunedTable, tenantId: TenantId,
    batch: (tx: TenantTx, limit: number) => Promise<number>): Promise<void> {
    return this.drain(report, table, () => this.database.inTenant(tenantId, (tx) => batch(tx, this.policy.batchSize)));
  }

  /** Repeats one batch until a batch finds fewer rows than it may take. */
  private async drain(report: RetentionReport, table: PrunedTable, batch: () => Promise<number>): Promise<void> {
    for (;;) {
      const rows = await batch();
      if (rows > 0) {
        report.pruned[table] += rows;
        this.onPruned(table, rows);
      }
      if (rows < this.policy.batchSize) return;
    }
  }
}
