import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { ChangeFeedService, type ReadContext } from '@tributary/catalog';
import { Reader } from '../http/request-context';
import { ChangesQuery } from '../http/schemas';
import { ParseQuery } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { ChangePage } from '../http/responses';

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
}
