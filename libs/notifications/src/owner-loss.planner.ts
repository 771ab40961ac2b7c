import { ChangeEventRecord } from '@tributary/contracts';
import type { CompiledNotifyRule } from '@tributary/propagation';
import type { NewJob } from '@tributary/queue';
import { ChangeEvent, ChangeEventsRepository, NotificationDeliveriesRepository, TenantTx } from '@tributary/store';
import { eventView, FilterAssets, passes } from './filter-context';
import { DeliverJob } from './notification.jobs';

/** An owner-loss delivery's notice as planned and stored with it: what the message says, the assets' links made when sending. */
export interface OwnerLossPlan {
  kind: 'person' | 'group';
  who: string;
  owners: string[];
  reason: string;
  /** ISO time of the directory change */
  at: string;
  /** every asset of the loss the rule's filter passed, by name */
  assets: { qualifiedName: string; typeName: string }[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Plans the messages about owners lost: one delivery per notify rule and loss, never one per asset.
 * The events of one loss (one directory change: a person deactivated, a group deleted) share
 * `data.loss` and commit in one transaction, so meeting any one of them, the planner reads them all
 * and makes the delivery whole at once, with every asset the rule's filter passes. Events of one
 * loss split across two batches, a redelivery or a replay find the delivery made (its key is rule,
 * loss and connector) and add nothing: no waiting window, and no second message. An event written
 * before losses had ids is a loss of its own.
 */
export class OwnerLossPlanner {
  constructor(
    private readonly filterAssets: FilterAssets,
    private readonly deliveries: NotificationDeliveriesRepository,
    private readonly changes = new ChangeEventsRepository(),
  ) {}

  async plan(tx: TenantTx, rules: CompiledNotifyRule[], events: ChangeEventRecord[]): Promise<NewJob<DeliverJob>[]> {
    if (rules.length === 0) return [];
    const losses = new Map<string, ChangeEventRecord[]>();
    for (const event of events) {
      const id = lossOf(event);
      if (losses.has(id)) continue;
      losses.set(id, id === event.id ? [event] : (await this.changes.ofOwnerLoss(tx, id)).map(record));
    }
    const all = [...losses.values()].flat();
    const assetOf = await this.filterAssets.read(tx, all.map((e) => e.subject));
    const wants = [];
    for (const [lossId, lossEvents] of losses) {
      for (const rule of rules) {
        const passed = lossEvents.filter((e) => passes(rule, { event: eventView(e), asset: assetOf(e.subject), incident: null }));
        if (passed.length === 0) continue;
        wants.push({ ruleId: rule.id, connectorId: rule.action.connectorId, lossId, sequence: Math.max(...lossEvents.map((e) => e.sequence)),
          notice: planOf(passed, (name) => assetOf(name)?.typeName) as unknown as Record<string, unknown> });
      }
    }
    const rows = await this.deliveries.wantOwnerLoss(tx, wants);
    return rows.map((d) => ({ data: { tenantId: tx.tenantId, deliveryId: d.id }, dedupKey: `${tx.tenantId}/${d.id}/${d.wantedSequence}` }));
  }
}

/** The loss an event belongs to: its `data.loss`, or (written before losses had ids) the event itself. */
function lossOf(event: ChangeEventRecord): string {
  const loss = (JSON.parse(event.data) as { loss?: unknown }).loss;
  return typeof loss === 'string' && UUID.test(loss) ? loss : event.id;
}

const record = (e: ChangeEvent): ChangeEventRecord => ({ id: e.id, tenant: e.tenant, sequence: e.sequence, type: e.type, subject: e.subject,
  time: e.time, origin: e.origin, traceparent: e.traceparent, data: JSON.stringify(e.data) });

/** Who was lost and why, from the loss's first event (they all say the same), and the assets passed, by name. */
function planOf(events: ChangeEventRecord[], typeOf: (name: string) => unknown): OwnerLossPlan {
  const data = events.map((e) => JSON.parse(e.data) as Record<string, unknown>);
  const first = data[0];
  const person = first.person as { login?: string; displayName?: string | null } | undefined;
  const group = first.group as { name?: string } | undefined;
  const who = first.kind === 'group'
    ? String(group?.name ?? first.owner)
    : person?.displayName ? `${person.displayName} (${person.login})` : String(person?.login ?? first.owner);
  return {
    kind: first.kind === 'group' ? 'group' : 'person', who, reason: String(first.reason ?? 'deactivated'),
    owners: [...new Set(data.map((d) => String(d.owner)))].sort(),
    at: events[0].time.toISOString(),
    assets: events.map((e) => ({ qualifiedName: e.subject, typeName: String(typeOf(e.subject) ?? 'unknown') }))
      .sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName)),
  };
}
