import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequireRole } from '@tributary/auth';
import { DeliveriesService } from '@tributary/notifications';
import { Responds } from '@tributary/platform';
import { ParseQuery } from '../http/zod.pipe';
import { DeliveryPage } from '../http/responses';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a UUID');
const ListQuery = z.strictObject({
  connectorId: uuid.optional(),
  status: z.enum(['pending', 'sent', 'retrying', 'parked']).optional(),
  incident: uuid.optional(),
  /** one owner loss's deliveries (its id is `data.loss` of its asset.owner.deactivated events) */
  ownerLoss: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(512).optional(),
});

@ApiTags('deliveries')
@ApiBearerAuth()
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @RequireRole('support')
  @Responds('outbound deliveries (one per notify rule, incident or owner loss, and target connector; for a catalog bridge connector, one per asset written back), newest first, with their attempts', DeliveryPage)
  list(@CurrentAccess() a: Access, @Query(new ParseQuery(ListQuery)) q: z.infer<typeof ListQuery>) {
    return this.deliveries.list(a.tenantId, q);
  }
}
