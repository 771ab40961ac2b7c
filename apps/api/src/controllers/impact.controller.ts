import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import type { ReadContext } from '@tributary/catalog';
import { ImpactService } from '@tributary/insights';
import { Responds } from '@tributary/platform';
import { Reader } from '../http/request-context';
import { AssetImpact, IncidentImpact } from '../http/responses';
import { AssetImpactQuery, IncidentId, IncidentImpactQuery, QualifiedName } from '../http/schemas';
import { ParseParam, ParseQueryValues } from '../http/zod.pipe';

@ApiTags('impact')
@ApiBearerAuth()
@Controller('v1/impact')
export class ImpactController {
  constructor(private readonly impact: ImpactService) {}

  @Get('incidents/:id')
  @RequireRole('viewer')
  @Responds('the assets downstream of the incident\'s assets: totals by depth, type and owner, and a page of them', IncidentImpact)
  incident(@Reader() ctx: ReadContext, @Param('id', new ParseParam('id', IncidentId)) id: string,
    @Query(new ParseQueryValues(IncidentImpactQuery)) q: z.infer<typeof IncidentImpactQuery>) {
    return this.impact.ofIncident(ctx, id, q);
  }

  @Get('assets/:qualifiedName')
  @RequireRole('viewer')
  @Responds('the assets up or downstream of the asset: totals by depth, type and owner, and a page of them', AssetImpact)
  asset(@Reader() ctx: ReadContext, @Param('qualifiedName', new ParseParam('qualifiedName', QualifiedName)) qn: string,
    @Query(new ParseQueryValues(AssetImpactQuery)) q: z.infer<typeof AssetImpactQuery>) {
    return this.impact.ofAsset(ctx, qn, q.direction, q);
  }
}
