import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import type { ReadContext } from '@tributary/catalog';
import { IncidentAnalyticsService, LineageHotspotsService } from '@tributary/insights';
import { Responds } from '@tributary/platform';
import { Reader } from '../http/request-context';
import { IncidentsSummary, IncidentTrends, LineageHotspots } from '../http/responses';
import { HotspotsQuery, IncidentSummaryQuery, IncidentTrendsQuery } from '../http/schemas';
import { ParseQueryValues } from '../http/zod.pipe';

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly hotspotsService: LineageHotspotsService, private readonly incidents: IncidentAnalyticsService) {}

  @Get('lineage/hotspots')
  @RequireRole('viewer')
  @Responds('assets ranked by the open incidents upstream of them, then by those opened upstream in the window', LineageHotspots)
  hotspots(@Reader() ctx: ReadContext, @Query(new ParseQueryValues(HotspotsQuery)) q: z.infer<typeof HotspotsQuery>) {
    return this.hotspotsService.hotspots(ctx, q);
  }

  @Get('incidents/trends')
  @RequireRole('viewer')
  @Responds('incidents opened and resolved per bucket, and open at its end, one series per group', IncidentTrends)
  trends(@Reader() ctx: ReadContext, @Query(new ParseQueryValues(IncidentTrendsQuery)) q: z.infer<typeof IncidentTrendsQuery>) {
    return this.incidents.trends(ctx, q);
  }

  @Get('incidents/summary')
  @RequireRole('viewer')
  @Responds('incidents open now, opened and resolved in the range, and the mean times to acknowledge and to resolve', IncidentsSummary)
  summary(@Reader() ctx: ReadContext, @Query(new ParseQueryValues(IncidentSummaryQuery)) q: z.infer<typeof IncidentSummaryQuery>) {
    return this.incidents.summary(ctx, q);
  }
}
