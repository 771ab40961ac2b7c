import { timeIdCursor } from '@tributary/catalog';
import { Database, DeliveryAttempt, DeliveryRow, DeliveryStatus, NotificationDeliveriesRepository, TenantId } from '@tributary/store';
import type { OwnerLossPlan } from './owner-loss.planner';

export interface DeliveryView {
  id: string;
  ruleId: string;
  connectorId: string;
  /** the incident it tells of; null for an owner-loss delivery */
  incidentId: string | null;
  /** the owner lost it tells of (a notify rule on asset.owner.deactivated); null for an incident's */
  ownerLoss: { id: string; kind: 'person' | 'group'; who: string; reason: string; assets: number } | null;
  /** sent as part of a digest rule's summaries */
  digest: boolean;
  status: DeliveryStatus;
  /** what the destination gave back to refer to its message or ticket (Slack channel and ts, Jira issue key) */
  ref: Record<string, string> | null;
  attemptCount: number;
  /** newest first, the last 20: each with the destination's answer in its own words */
  attempts: DeliveryAttempt[];
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryListQuery {
  connectorId?: string;
  status?: DeliveryStatus;
  incident?: string;
  ownerLoss?: string;
  limit: number;
  cursor?: string;
}

/** `GET /v1/deliveries`: what was sent where, with every attempt's answer and the next retry. Secrets are never stored in a delivery. */
export class DeliveriesService {
  constructor(private readonly database: Database, private readonly deliveries = new NotificationDeliveriesRepository()) {}

  async list(tenantId: TenantId, q: DeliveryListQuery): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const before = q.cursor === undefined ? undefined : timeIdCursor.decode(q.cursor);
    const rows = await this.database.inTenant(tenantId, (tx) => this.deliveries.list(tx, {
      connectorId: q.connectorId, status: q.status, incidentId: q.incident, ownerLoss: q.ownerLoss, limit: q.limit + 1,
      before: before && { createdAt: before.at, id: before.id },
    }));
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id, ruleId: r.ruleId, connectorId: r.connectorId, incidentId: r.incidentId, ownerLoss: ownerLossOf(r), digest: r.digest, status: r.status, ref: r.ref,
        attemptCount: r.attemptCount, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
        createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
      })),
      nextCursor: rows.length > q.limit ? timeIdCursor.encode(last.createdAt, last.id) : null,
    };
  }
}

function ownerLossOf(r: DeliveryRow): DeliveryView['ownerLoss'] {
  if (r.ownerLoss === null) return null;
  const plan = r.notice as unknown as OwnerLossPlan;
  return { id: r.ownerLoss, kind: plan.kind, who: plan.who, reason: plan.reason, assets: plan.assets.length };
}
