import { ChangeEventRecord } from '@tributary/contracts';
import { CompiledNotifyRule, NOTIFY_TRIGGERS, RulesService } from '@tributary/propagation';
import type { NewJob } from '@tributary/queue';
import {
  AnalyticsFactsRepository, AssetsRepository, ClassificationsRepository, Database, IncidentsRepository, NotificationDeliveriesRepository,
  TenantId, TenantTx,
} from '@tributary/store';
import { NOTICE_DEPTH } from './notice-builder';
import { DeliverJob, DigestJob } from './notification.jobs';

export interface PlannedJobs {
  deliver: NewJob<DeliverJob>[];
  digest: NewJob<DigestJob>[];
}

const TRIGGERS = new Set<string>(NOTIFY_TRIGGERS);

/**
 * Decides, for a batch of one tenant's changes, whom to tell: each incident change a notify rule
 * triggers on, whose filter passes over the event, its asset and its incident, makes the rule's
 * delivery of that incident to its connector want that change (one row per rule, incident and
 * connector, so a redelivery or a second notifier never makes a second message), and queues the
 * job that sends it. A change made through a target connector's reply (origin `ingest:<id>`) is
 * never told back to that connector: no loops.
 */
export class NotificationPlanner {
  constructor(
    private readonly database: Database,
    private readonly rules: RulesService,
    private readonly deliveries = new NotificationDeliveriesRepository(),
    private readonly incidents = new IncidentsRepository(),
    private readonly facts = new AnalyticsFactsRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly classifications = new ClassificationsRepository(),
  ) {}

  async plan(tenantId: TenantId, events: ChangeEventRecord[]): Promise<PlannedJobs> {
    const relevant = events.filter((e) => TRIGGERS.has(e.type));
    if (relevant.length === 0) return { deliver: [], digest: [] };
    return this.database.inTenant(tenantId, async (tx) => {
      const rules = await this.rules.notifying(tx);
      if (rules.length === 0) return { deliver: [], digest: [] };
      const context = await this.context(tx, relevant);
      const wants = [];
      for (const event of relevant) {
        const ctx = context(event);
        if (!ctx) continue;
        for (const rule of rules) {
          if (!rule.trigger.includes(event.type) || event.origin === `ingest:${rule.action.connectorId}` || !passes(rule, ctx)) continue;
          wants.push({ ruleId: rule.id, connectorId: rule.action.connectorId, incidentId: ctx.incident.id, digest: rule.action.digestSeconds > 0,
            sequence: event.sequence });
        }
      }
      const pending = await this.deliveries.want(tx, wants);
      const digestOf = new Map(rules.map((r) => [r.id, r.action.digestSeconds]));
      const now = Date.now();
      return {
        // a job per change a delivery wants: a redelivered change finds its job's key taken, a newer one
        // always gets a job (never refused because a job of an older change is running)
        deliver: pending.filter((d) => !d.digest).map((d) => ({ data: { tenantId, deliveryId: d.id }, dedupKey: `${tenantId}/${d.id}/${d.wantedSequence}` })),
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
    const assets = await this.assets.findLiveByNames(tx, [...new Set(events.map((e) => e.subject))]);
    const health = await this.assets.healthByIds(tx, [...assets.values()].map((a) => a.id));
    const tags = await this.classifications.forAssets(tx, [...assets.values()].map((a) => a.id));
    return (event) => {
      const data = JSON.parse(event.data) as Record<string, unknown>;
      const id = incidentIdOf(event);
      const row = rows.get(id);
      if (!row) return undefined;
      const asset = assets.get(event.subject);
      return {
        event: { id: event.id, type: event.type, subject: event.subject, origin: event.origin, time: event.time.toISOString(), data },
        asset: asset ? {
          qualifiedName: asset.qualifiedName, typeName: asset.typeName, attributes: asset.attributes,
          owner: typeof asset.attributes.owner === 'string' ? asset.attributes.owner : null,
          classifications: [...new Set(tags.filter((t) => t.assetId === asset.id).map((t) => t.name))],
          health: health.get(asset.id) ?? { status: 'healthy', openIncidents: 0 },
        } : null,
        incident: {
          id: row.id, source: row.source, externalId: row.externalId, type: row.type, severity: row.severity, status: row.status,
          rawStatus: row.rawStatus, title: row.title, owner: row.owner, assets: reach.get(id)?.assets ?? [],
          downstreamAssets: reach.get(id)?.downstreamAssets ?? 0,
        },
      };
    };
  }
}

interface FilterContext {
  event: Record<string, unknown>;
  asset: Record<string, unknown> | null;
  incident: { id: string } & Record<string, unknown>;
}

function passes(rule: CompiledNotifyRule, ctx: FilterContext): boolean {
  if (!rule.filterExpression) return true;
  try {
    return rule.filterExpression.evaluate(ctx as unknown as Record<string, unknown>) === true;
  } catch {
    // a filter that cannot be evaluated on this event (a field it names is absent) does not match it
    return false;
  }
}
