import { ChangeEventsRepository, Database } from '@tributary/store';
import { ReadContext } from './write-context';

export interface ChangeFeedItem {
  sequence: number;
  id: string;
  type: string;
  subject: string;
  time: string;
  origin: string;
  traceparent: string | null;
  tenant: string;
  data: Record<string, unknown>;
}

export class ChangeFeedService {
  constructor(private readonly database: Database, private readonly changes = new ChangeEventsRepository()) {}

  /** Events after `after`, oldest first; `next` is the sequence to pass as `after` for the following page. */
  async read(ctx: ReadContext, after: number, limit: number): Promise<{ items: ChangeFeedItem[]; next: number }> {
    const rows = await this.database.inTenant(ctx.tenantId, (tx) => this.changes.listAfter(tx, after, limit));
    return {
      items: rows.map((r) => ({ sequence: r.sequence, id: r.id, type: r.type, subject: r.subject, time: r.time.toISOString(),
        origin: r.origin, traceparent: r.traceparent, tenant: r.tenant, data: r.data })),
      next: rows.length > 0 ? rows[rows.length - 1].sequence : after,
    };
  }
}
