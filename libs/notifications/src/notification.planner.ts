import { ChangeEventRecord } from '@tributary/contracts';
import { NOTIFY_TRIGGERS, OWNER_LOSS_TRIGGER, RulesService } from '@tributary/propagation';
import type { NewJob } from '@tributary/queue';
import { AnalyticsFactsRepository, Database, IncidentsRepository, NotificationDeliveriesRepository, TenantId, TenantTx } from '@tributary/store';
import { eventView, FilterAssets, FilterContext, passes } from './filter-context';
import { NOTICE_DEPTH } from './notice-builder';
import { DeliverJob, DigestJob } from './notification.jobs';
import { OwnerLossPlanner } from './owner-loss.planner';

export interface PlannedJobs {
  deliver: NewJob<DeliverJob>[];
  digest: NewJob<DigestJob>[];
}

const TRIGGERS = new Set<string>([...NOTIFY_TRIGGERS, OWNER_LOSS_TRIGGER]);

/**
 * Decides, for a batch of one tenant's changes, whom to tell: each incident change a notify rule
 * triggers on, whose filter passes over the event, its asset and its incident, makes the rule's
 * delivery of that incident to its connector want that change (one row per rule, incident and
 * connector, so a redelivery or a second notifier never makes a second message), and queues the
 * job that sends it. A change made through a target connector's reply (origin `ingest:<id>`) is
 * never told back to that connector: no loops. Owners lost (`asset.owner.deactivated`) go to the
 * OwnerLossPlanner: one delivery per rule and loss.
 */
export class NotificationPlanner {
  constructor(
    private readonly database: Database,
    private readonly rules: RulesService,
    private readonly deliveries = new NotificationDeliveriesRepository(),
    private readonly incidents = new IncidentsRepository(),
    private readonly facts = new AnalyticsFactsRepository(),
    private readonly filterAssets = new FilterAssets(),
    private readonly ownerLosses = new OwnerLossPlanner(filterAssets, deliveries),
  ) {}

  async plan(tenantId: TenantId, events: ChangeEventRecord[]): Promise<PlannedJobs> {
    const relevant = events.filter((e) => TRIGGERS.has(e.type));
    if (relevant.length === 0) return { deliver: [], digest: [] };
    return this.database.inTenant(tenantId, async (tx) => {
      const rules = await this.rules.notifying(tx);
      if (rules.length === 0) return { deliver: [], digest: [] };
      const losses = relevant.filter((e) => e.type === OWNER_LOSS_TRIGGER);
      const lossJobs = losses.length > 0 ? await this.ownerLosses.plan(tx, rules.filter((r) => r.trigger.includes(OWNER_LOSS_TRIGGER)), losses) : [];
      const changes = relevant.filter((e) => e.type !== OWNER_LOSS_TRIGGER);
      const context = await this.context(tx, changes);
      const wants = [];
      for (const event of changes) {
        const ctx = context(event);
        if (!ctx) continue;
        for (const rule of rules) {
          if (!rule.trigger.includes(event.type) || event.origin === `ingest:${rule.action.connectorId}` || !passes(rule, ctx)) continue;
          wants.push({ ruleId: rule.id, connectorId: rule.action.connectorId, incidentId: ctx.incident!.id, digest: rule.action.digestSeconds > 0,
            sequence: event.sequence });
        }
      }
      const pending = await this.deliveries.want(tx, wants);
      const digestOf = new Map(rules.map((r) => [r.id, r.action.digestSeconds]));
      const now = Date.now();
      return {
        // a job per change a delivery wants: a redelivered change finds its job's key taken, a newer one
        // always gets a job (never refused because a job of an older change is running)
        deliver: [...lossJobs, ...pending.filter((d) => !d.digest).map((d) => ({ data: { tenantId, deliveryId: d.id }, dedupKey: `${tenantId}/${d.id}/${d.wantedSequence}` }))],
        // a job per digest window: the first change of a window queues it to run when the window ends,
        // what comes within the window finds its key taken and goes with it, what comes later (even while
        // it runs) falls in the next window
        digest: [...new Map(pending.filter((d) => d.digest).map((d) => [`${d.ruleId}/${d.connectorId}`, d])).values()].map((d) => {
          const windowMs = (digestOf.get(d.ruleId) ?? 0) * 1000;
          const window = Math.floor(now / windowMs);
          return { data: { tenantId, ruleId: d.ruleId, connectorId: d.connectorId }, dedupKey: `${tenantId}/${d.ruleId}/${d.connectorId}/${window}`,
            delayMs: (window + 1) * windowMs - now };
        }),
      };
    });
  }

  /** What a notify rule's filter sees of each event: the event, its subject asset and its incident (read once for the batch). */
  private async context(tx: TenantTx, events: ChangeEventRecord[]): Promise<(event: ChangeEventRecord) => FilterContext | undefined> {
    const incidentIdOf = (e: ChangeEventRecord) => String((JSON.parse(e.data) as { incidentId?: unknown }).incidentId ?? '');
    const ids = [...new Set(events.map(incidentIdOf).filter((id) => /^[0-9a-f-]{36}$/.test(id)))];
    const reach = new Map((await this.facts.incidentsWithReach(tx, ids, NOTICE_DEPTH)).map((r) => [r.id, r]));
    const rows = new Map((await this.incidents.byIds(tx, ids)).map((r) => [r.id, r]));
    const assetOf = await this.filterAssets.read(tx, events.map((e) => e.subject));
    return (event) => {
      const id = incidentIdOf(event);
      const row = rows.get(id);
      if (!row) return undefined;
      return {
        event: eventView(event),
        asset: assetOf(event.subject),
        incident: {
          id: row.id, source: row.source, externalId: row.externalId, type: row.type, severity: row.severity, status: row.status,
          rawStatus: row.rawStatus, title: row.title, owner: row.owner, assets: reach.get(id)?.assets ?? [],
          downstreamAssets: reach.get(id)?.downstreamAssets ?? 0,
        },
      };
    };
  }
}
