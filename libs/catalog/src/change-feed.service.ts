import { DomainError } from '@tributary/errors';
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

  /**
   * Events after `after`, oldest first; `next` is the sequence to pass as `after` for the following
   * page. Sequences are gap-free, so a page that does not start at `after + 1` has lost its first
   * events to retention: rather than skip them silently, the read fails with 410 `changes_pruned`,
   * naming where the feed now starts (the caller re-reads the current state, then resumes after
   * `firstRetained - 1`).
   */
  /** The sequence of the tenant's latest event (0 when it has none): where a stream that asks for "from now" starts. */
  async head(ctx: ReadContext): Promise<number> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.changes.lastSequence(tx));
  }

  async read(ctx: ReadContext, after: number, limit: number): Promise<{ items: ChangeFeedItem[]; next: number }> {
    const rows = await this.database.inTenant(ctx.tenantId, async (tx) => {
      const page = await this.changes.listAfter(tx, after, limit);
      if (page[0]?.sequence === after + 1) return page;
      const firstRetained = await this.changes.firstRetained(tx);
      if (after + 1 < firstRetained) {
        throw new DomainError('gone', 'changes_pruned', `the change feed no longer holds the events after ${after}: retention removed `
          + `every event before ${firstRetained}; read the current state, then resume with after=${firstRetained - 1}`, { after, firstRetained });
      }
      return page;
    });
    return {
      items: rows.map((r) => ({ sequence: r.sequence, id: r.id, type: r.type, subject: r.subject, time: r.time.toISOString(),
        origin: r.origin, traceparent: r.traceparent, tenant: r.tenant, data: r.data })),
      next: rows.length > 0 ? rows[rows.length - 1].sequence : after,
    };
  }
}
