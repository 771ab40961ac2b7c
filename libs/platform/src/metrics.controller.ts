import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RequireRole } from '@tributary/auth';
import { Metrics } from '@tributary/observability';

/**
 * /metrics on the main port, when METRICS_PORT gives it no port of its own. Its series name every
 * tenant, so it needs the platform role `metrics` (a key for Prometheus) or a platform admin.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @RequireRole('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}
