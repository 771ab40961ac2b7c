import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { IncidentsService, type ReadContext } from '@tributary/catalog';
import { Reader } from '../http/request-context';
import { IncidentId, QualifiedName } from '../http/schemas';
import { ParseParam, ParseQuery } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { IncidentPage, IncidentView } from '../http/responses';

const IncidentQuery = z.strictObject({
  status: z.enum(['open', 'resolved']).optional(),
  asset: QualifiedName.optional(),
  source: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(512).optional(),
});

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('v1/incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  @RequireRole('viewer')
  @Responds('a page of incidents with the assets they touch', IncidentPage)
  list(@Reader() ctx: ReadContext, @Query(new ParseQuery(IncidentQuery)) q: z.infer<typeof IncidentQuery>) {
    return this.incidents.list(ctx, q);
  }

  @Get(':id')
  @RequireRole('viewer')
  @Responds('the incident with the assets it touches', IncidentView)
  get(@Reader() ctx: ReadContext, @Param('id', new ParseParam('id', IncidentId)) id: string) {
    return this.incidents.get(ctx, id);
  }
}
