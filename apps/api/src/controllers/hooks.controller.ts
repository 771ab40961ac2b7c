import { Controller, HttpCode, Param, Post, Req, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '@tributary/auth';
import { HooksService, MonteCarloWebhook } from '@tributary/connectors';
import { traceparentFor } from '@tributary/observability';
import { ReadsBody, Responds } from '@tributary/platform';
import { Accepted } from '../http/responses';
import { WebhookMetricsInterceptor } from '../http/webhook-metrics.interceptor';

/** Webhooks from sources. Not a credential route: each source's own signature authenticates it. */
@ApiTags('hooks')
@Controller('v1/hooks')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Post(':connectorType/:connectorId')
  @HttpCode(202)
  @Public()
  @UseInterceptors(WebhookMetricsInterceptor)
  @ReadsBody('the source\'s webhook, as it sends it, signed with the connector\'s signing secret (Monte Carlo: `x-mcd-signature`, HMAC-SHA512 of the raw body); '
    + 'for `montecarlo`, an incident webhook', MonteCarloWebhook)
  @Responds('durably logged; the ingestor applies it next', Accepted)
  async receive(@Param('connectorType') type: string, @Param('connectorId') id: string, @Req() req: FastifyRequest) {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { eventIds } = await this.hooks.receive(type, id, raw, req.headers, traceparentFor(req.headers.traceparent as string | undefined));
    return { eventIds };
  }
}
