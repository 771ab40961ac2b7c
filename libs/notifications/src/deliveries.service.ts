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
  /** for a catalog bridge's connector: the asset written back and the state last written to its entity; null for a notification */
  writeback: WritebackView | null;
  createdAt: string;
  updatedAt: string;
}

/** What a write-back delivery writes: an asset's state to its catalog entity (never a secret). */
export interface WritebackView {
  assetId: number;
  qualifiedName: string | null;
  /** the state last written (the bridge's outbox): the attributes it set and the catalog tag names it attached */
  written: { attributes: Record<string, unknown>; tags: string[] } | null;
  wantedSequence: number;
  sentSequence: number;
}

/**
 * Deliveries of another kind, listed under `GET /v1/deliveries?connectorId=` for their own
 * connectors: the catalog bridge's write-backs (libs/writeback).
 */
export interface ConnectorDeliveries {
  /** The page of the connector's deliveries; null when the connector is not one of this kind's. */
  list(tenantId: TenantId, q: DeliveryListQuery & { connectorId: string }): Promise<{ items: DeliveryView[]; nextCursor: string | null } | null>;
}

export interface DeliveryListQuery {
  connectorId?: string;
  status?: DeliveryStatus;
  incident?: string;
  ownerLoss?: string;
  limit: number;
  cursor?: string;
}

/**
 * `GET /v1/deliveries`: what was sent where, with every attempt's answer and the next retry. Secrets
 * are never stored in a delivery. A connector of another kind of delivery (a catalog bridge) lists
 * its own.
 */
export class DeliveriesService {
  constructor(
    private readonly database: Database,
    private readonly others: readonly ConnectorDeliveries[] = [],
    private readonly deliveries = new NotificationDeliveriesRepository(),
  ) {}

  async list(tenantId: TenantId, q: DeliveryListQuery): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    if (q.connectorId !== undefined) {
      for (const other of this.others) {
        const page = await other.list(tenantId, { ...q, connectorId: q.connectorId });
        if (page) return page;
      }
    }
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
        attemptCount: r.attemptCount, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null, writeback: null,
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
