import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequireRole } from '@tributary/auth';
import { BackfillsService } from '@tributary/ingest';
import { BackfillId } from '../http/schemas';
import { ParseBody, ParseParam, ParseQuery } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { BackfillCreated, BackfillPage, BackfillView } from '../http/responses';

const CreateBackfill = z.strictObject({
  connectorId: z.string().min(1).max(64),
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).optional(),
});

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

@ApiTags('backfills')
@ApiBearerAuth()
@Controller('v1/backfills')
export class BackfillsController {
  constructor(private readonly backfills: BackfillsService) {}

  @Post()
  @HttpCode(202)
  @RequireRole('support')
  @Responds('queued; follow it at GET /v1/backfills/{id}', BackfillCreated)
  create(@CurrentAccess() a: Access, @Body(new ParseBody(CreateBackfill)) body: z.infer<typeof CreateBackfill>) {
    return this.backfills.create(a.tenantId, a.principal.actor, {
      connectorId: body.connectorId, since: new Date(body.since), until: body.until ? new Date(body.until) : undefined });
  }

  @Get()
  @RequireRole('support')
  @Responds('the tenant\'s backfills with their progress, newest first', BackfillPage)
  list(@CurrentAccess() a: Access, @Query(new ParseQuery(ListQuery)) q: z.infer<typeof ListQuery>) {
    return this.backfills.list(a.tenantId, q.limit, q.cursor);
  }

  @Get(':id')
  @RequireRole('support')
  @Responds('the backfill\'s progress', BackfillView)
  get(@CurrentAccess() a: Access, @Param('id', new ParseParam('id', BackfillId)) id: string) {
    return this.backfills.get(a.tenantId, id);
  }
}
