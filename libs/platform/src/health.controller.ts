import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
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
  async readyz(@Res() res: FastifyReply) {
    try {
      await this.database.ping();
      void res.status(200).send({ status: 'ready', checks: { store: 'ok' } });
    } catch (err) {
      void res.status(503).send({ status: 'not ready', checks: { store: (err as Error).message } });
    }
  }

  @Get('metrics')
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}
