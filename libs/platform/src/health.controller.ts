import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@tributary/auth';
import { Database } from '@tributary/store';

/** Liveness and readiness: unauthenticated (metrics are in MetricsController, or on METRICS_PORT). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly database: Database) {}

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
}
