import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { PipelineLagService, type ReadContext } from '@tributary/catalog';
import { Responds } from '@tributary/platform';
import { Reader } from '../http/request-context';
import { PipelineLag } from '../http/responses';
import { LagQuery } from '../http/schemas';
import { ParseQueryValues } from '../http/zod.pipe';

/** The tenant's own view of how the platform serves it (the process-wide Prometheus series are at /metrics). */
@ApiTags('metrics')
@ApiBearerAuth()
@Controller('v1/metrics')
export class MetricsController {
  constructor(private readonly pipeline: PipelineLagService) {}

  @Get('lag')
  @RequireRole('viewer')
  @Responds('how far behind ingest and propagation ran for the tenant in the window: count, p50, p95 and max latency per stage', PipelineLag)
  async lag(@Reader() ctx: ReadContext, @Query(new ParseQueryValues(LagQuery)) q: z.infer<typeof LagQuery>) {
    return { window: q.window, ...await this.pipeline.lag(ctx, q.windowMs) };
  }
}
