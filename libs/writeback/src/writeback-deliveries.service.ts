import { timeNumberCursor } from '@tributary/catalog';
import type { ConnectorDeliveries, DeliveryListQuery, DeliveryView } from '@tributary/notifications';
import { AtlasWritebacksRepository, ConnectorsRepository, Database, TenantId } from '@tributary/store';
import { BRIDGE_TYPES } from './writeback.jobs';

/**
 * A bridge connector's write-backs as deliveries (`GET /v1/deliveries?connectorId=`): one per asset
 * written back, with every attempt's answer (the catalog's status, error code and message), the
 * entity as `ref`, and the state last written. Nothing in a row is a secret.
 */
export class WritebackDeliveries implements ConnectorDeliveries {
  constructor(
    private readonly database: Database,
    private readonly connectors: ConnectorsRepository,
    private readonly writebacks = new AtlasWritebacksRepository(),
  ) {}

  async list(tenantId: TenantId, q: DeliveryListQuery & { connectorId: string }): Promise<{ items: DeliveryView[]; nextCursor: string | null } | null> {
    const connector = await this.connectors.get(tenantId, q.connectorId);
    if (!connector || !BRIDGE_TYPES.includes(connector.type)) return null;
    // a write-back tells of no incident and no owner loss: filtering by one finds none
    if (q.incident !== undefined || q.ownerLoss !== undefined) return { items: [], nextCursor: null };
    const before = q.cursor === undefined ? undefined : timeNumberCursor.decode(q.cursor);
    const rows = await this.database.inTenant(tenantId, (tx) => this.writebacks.list(tx, {
      connectorId: q.connectorId, status: q.status, limit: q.limit + 1, before: before && { createdAt: before.at, assetId: before.id },
    }));
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: `writeback:${r.assetId}`, ruleId: 'writeback', connectorId: r.connectorId, incidentId: null, ownerLoss: null, digest: false,
        status: r.status, ref: r.entity,
        attemptCount: r.attemptCount, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
        writeback: { assetId: r.assetId, qualifiedName: r.qualifiedName, written: r.written, wantedSequence: r.wantedSequence, sentSequence: r.sentSequence },
        createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
      })),
      nextCursor: rows.length > q.limit ? timeNumberCursor.encode(last.createdAt, last.assetId) : null,
    };
  }
}
