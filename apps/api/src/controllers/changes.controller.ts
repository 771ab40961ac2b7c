import { Controller, Get, Headers, MessageEvent, Query, Sse, SseSignal } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { from, interval, map, merge, Observable } from 'rxjs';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { ChangeFeedService, followChanges, type ReadContext } from '@tributary/catalog';
import { malformed } from '@tributary/errors';
import { Reader } from '../http/request-context';
import { ChangesQuery, ChangeStreamQuery } from '../http/schemas';
import { ParseQuery } from '../http/zod.pipe';
import { Responds, Streams } from '@tributary/platform';
import { ChangeItem, ChangePage } from '../http/responses';

/** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

@ApiTags('changes')
@ApiBearerAuth()
@Controller('v1/changes')
export class ChangesController {
  constructor(private readonly feed: ChangeFeedService) {}

  @Get()
  @RequireRole('viewer')
  @Responds('the tenant\'s change events after `after`, oldest first', ChangePage)
  read(@Reader() ctx: ReadContext, @Query(new ParseQuery(ChangesQuery)) query: z.infer<typeof ChangesQuery>) {
    return this.feed.read(ctx, query.after, query.limit);
  }

  /**
   * The same events in the same order as `GET /v1/changes`, as server-sent events whose `id` is the
   * sequence: a client that reconnects sends it back as `Last-Event-ID` and resumes after it.
   */
  @Sse('stream')
  @RequireRole('viewer')
  @Streams('the change feed as server-sent events (`event: change`, `id` the sequence, `data` the feed item), starting after `Last-Event-ID`, '
    + 'else after `after`, else at the latest event; 410 `changes_pruned` when retention removed what it asks for', ChangeItem)
  async stream(@Reader() ctx: ReadContext, @Query(new ParseQuery(ChangeStreamQuery)) query: z.infer<typeof ChangeStreamQuery>,
    @Headers('last-event-id') lastEventId: string | undefined, @SseSignal() signal: AbortSignal): Promise<Observable<MessageEvent>> {
    const start = lastEventId !== undefined ? resumeAfter(lastEventId) : query.after ?? await this.feed.head(ctx);
    // Read once before the stream opens, so that a start retention pruned answers 410 in the error format.
    await this.feed.read(ctx, start, 1);
    const changes = from(followChanges(this.feed, ctx, start, signal))
      .pipe(map((item): MessageEvent => ({ type: 'change', id: String(item.sequence), data: item })));
    const keepalive = interval(KEEPALIVE_MS).pipe(map((): MessageEvent => ({ comment: 'keepalive' })));
    return merge(changes, keepalive);
  }
}

function resumeAfter(lastEventId: string): number {
  if (!/^\d{1,15}$/.test(lastEventId.trim())) {
    throw malformed('invalid_last_event_id', `Last-Event-ID must be the sequence of the last event received, not ${JSON.stringify(lastEventId.slice(0, 40))}`);
  }
  return Number(lastEventId.trim());
}
