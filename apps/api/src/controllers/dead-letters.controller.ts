import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequireRole } from '@tributary/auth';
import { DeadLettersService, type ReadContext } from '@tributary/catalog';
import { Reader } from '../http/request-context';
import { DeadLetterId } from '../http/schemas';
import { ParseParam, ParseQuery } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { DeadLetterPage, Replayed } from '../http/responses';

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(512).optional(),
});

@ApiTags('dead-letters')
@ApiBearerAuth()
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @RequireRole('support')
  @Responds('a page of parked events with their reasons, newest first', DeadLetterPage)
  list(@Reader() ctx: ReadContext, @Query(new ParseQuery(ListQuery)) q: z.infer<typeof ListQuery>) {
    return this.deadLetters.list(ctx, q.limit, q.cursor);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @RequireRole('support')
  @Responds('sent through its pipeline again', Replayed)
  async replay(@CurrentAccess() a: Access, @Param('id', new ParseParam('id', DeadLetterId)) id: string) {
    await this.deadLetters.replay(a.tenantId, a.principal.actor, id);
    return { id, status: 'replayed' as const };
  }
}
