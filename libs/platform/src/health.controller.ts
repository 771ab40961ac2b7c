import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@tributary/auth';
import { Metrics } from '@tributary/observability';
import { Database } from '@tributary/store';

/** Liveness, readiness and metrics: unauthenticated (bind the port internally in production). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly database: Database, private readonly metrics: Metrics) {}

  @Get('healthz')
  @Public()
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  async readyz(@Res() res: Response) {
    try {
      await this.database.ping();
      res.status(200).json({ status: 'ready', checks: { store: 'ok' } });
    } catch (err) {
      res.status(503).json({ status: 'not ready', checks: { store: (err as Error).message } });
    }
  }

  @Get('metrics')
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}
