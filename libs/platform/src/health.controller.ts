import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@tributary/auth';
import { Database } from '@tributary/store';
import { ConsumerWatch } from './consumer-watch';

/** Liveness and readiness: unauthenticated (metrics are in MetricsController, or on METRICS_PORT). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly database: Database, private readonly consumers: ConsumerWatch) {}

  @Get('healthz')
  @Public()
  healthz() {
    return { status: 'ok' };
  }

  /**
   * 503 when the main database does not answer or a consumer of this process is stalled (see
   * ConsumerWatch), each check saying what is wrong. Unauthenticated, so it names components, never
   * hosts, ports, databases or tenants. An unreachable dedicated tenant database is reported but
   * keeps the process ready: its tenant is held back while the others go on, and taking the process
   * out of rotation would stop them too.
   */
  @Get('readyz')
  @Public()
  async readyz(@Res() res: FastifyReply) {
    const stores = await this.database.reachability();
    const checks: Record<string, string> = { store: stores.main ?? 'ok' };
    let ready = stores.main === null;
    if (stores.dedicated.total > 0) {
      checks['tenant databases'] = stores.dedicated.unreachable === 0 ? 'ok' : `${stores.dedicated.unreachable} of ${stores.dedicated.total} unreachable`;
    }
    for (const c of this.consumers.states()) {
      ready &&= !c.stalled;
      checks[`consumer ${c.group}/${c.stream}`] = c.stalled
        ? `stalled: no progress for ${c.progressAgeSeconds} s${c.lag === null ? '' : `, lag ${c.lag}`}`
        : c.heldTenants > 0 ? `ok, ${c.heldTenants} tenant${c.heldTenants === 1 ? '' : 's'} held back and retried` : 'ok';
    }
    void res.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  }
}
