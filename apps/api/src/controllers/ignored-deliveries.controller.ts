import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { IgnoredDeliveriesService, type ReadContext } from '@tributary/catalog';
import { Responds } from '@tributary/platform';
import { Reader } from '../http/request-context';
import { IgnoredDeliveryPage } from '../http/responses';
import { ParseQuery } from '../http/zod.pipe';

const ListQuery = z.strictObject({
  connectorId: z.string().uuid('connectorId must be a connector id (a UUID)').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(512).optional(),
});

/** Deliveries acknowledged but not acted on (e.g. Monte Carlo monitor notifications), newest first. */
@ApiTags('ignored-deliveries')
@ApiBearerAuth()
@Controller('v1/ignored-deliveries')
export class IgnoredDeliveriesController {
  constructor(private readonly ignored: IgnoredDeliveriesService) {}

  @Get()
  @RequireRole('support')
  @Responds('a page of deliveries acknowledged but not applied, with the reason, newest first', IgnoredDeliveryPage)
  list(@Reader() ctx: ReadContext, @Query(new ParseQuery(ListQuery)) q: z.infer<typeof ListQuery>) {
    return this.ignored.list(ctx, q);
  }
}
