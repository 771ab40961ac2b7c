import { Database, IgnoredDeliveriesRepository, IgnoredDeliveryRow, TenantId } from '@tributary/store';
import { timeIdCursor } from './page-cursor';
import { ReadContext } from './write-context';

export interface IgnoredDeliveryView {
  /** the delivery's id: the event id the webhook answered with */
  id: string;
  connectorId: string;
  receivedAt: string;
  reason: string;
  action: string | null;
  type: string | null;
  version: string | null;
  /** the body as received (JSON) */
  body: unknown;
}

export interface IgnoredDeliveryQuery {
  connectorId?: string;
  limit: number;
  cursor?: string;
}

/**
 * Deliveries a source sent that are not ones to act on (a monitor notification, a newer payload
 * version): acknowledged, kept with the reason so that support staff can see what arrived, never
 * applied to the catalog.
 */
export class IgnoredDeliveriesService {
  constructor(private readonly database: Database, private readonly ignored = new IgnoredDeliveriesRepository()) {}

  /** Keeps one; false when it was kept before (a log record read twice). */
  async record(tenantId: TenantId, row: IgnoredDeliveryRow): Promise<boolean> {
    return this.database.inTenant(tenantId, (tx) => this.ignored.insert(tx, row));
  }

  async list(ctx: ReadContext, q: IgnoredDeliveryQuery): Promise<{ items: IgnoredDeliveryView[]; nextCursor: string | null }> {
    const before = q.cursor === undefined ? undefined : timeIdCursor.decode(q.cursor);
    const rows = await this.database.inTenant(ctx.tenantId, (tx) => this.ignored.list(tx, {
      connectorId: q.connectorId, limit: q.limit + 1, before: before && { receivedAt: before.at, id: before.id },
    }));
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(view), nextCursor: rows.length > q.limit ? timeIdCursor.encode(last.receivedAt, last.id) : null };
  }
}

const view = (r: IgnoredDeliveryRow): IgnoredDeliveryView => ({
  id: r.id, connectorId: r.connectorId, receivedAt: r.receivedAt.toISOString(), reason: r.reason, action: r.action, type: r.type,
  version: r.version, body: bodyOf(r.body),
});

/** Webhook bodies were JSON when they were accepted; anything else is shown as the text it is. */
function bodyOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
