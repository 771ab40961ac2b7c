import { TenantTx } from '../database';

export interface IgnoredDeliveryRow {
  /** the inbound delivery's id (the webhook answer's event id) */
  id: string;
  connectorId: string;
  receivedAt: Date;
  reason: string;
  action: string | null;
  type: string | null;
  version: string | null;
  /** the body as received */
  body: string;
}

/** Deliveries acknowledged but not acted on (see the `ignored deliveries` migration), kept for support staff. */
export class IgnoredDeliveriesRepository {
  /** Keeps one; false when it was kept before (the same log record read again). */
  async insert(tx: TenantTx, row: IgnoredDeliveryRow): Promise<boolean> {
    const inserted = await tx.db.insertInto('ignored_deliveries').values({
      tenant_id: tx.tenantId, id: row.id, connector_id: row.connectorId, received_at: row.receivedAt, reason: row.reason,
      action: row.action, type: row.type, version: row.version, body: row.body,
    }).onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  /** Newest first, keyset-paged by (received_at, id); optionally one connector's. */
  async list(tx: TenantTx, f: { connectorId?: string; limit: number; before?: { receivedAt: Date; id: string } }): Promise<IgnoredDeliveryRow[]> {
    let q = tx.db.selectFrom('ignored_deliveries').selectAll().where('tenant_id', '=', tx.tenantId);
    if (f.connectorId !== undefined) q = q.where('connector_id', '=', f.connectorId);
    const before = f.before;
    if (before) {
      q = q.where((eb) => eb.or([eb('received_at', '<', before.receivedAt),
        eb.and([eb('received_at', '=', before.receivedAt), eb('id', '<', before.id)])]));
    }
    const rows = await q.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map((r) => ({ id: r.id, connectorId: r.connector_id, receivedAt: r.received_at, reason: r.reason, action: r.action,
      type: r.type, version: r.version, body: r.body }));
  }
}
