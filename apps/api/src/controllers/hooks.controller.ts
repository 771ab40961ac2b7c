import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { Public } from '@tributary/auth';
import { HooksService, MonteCarloWebhook } from '@tributary/connectors';
import { traceparentFor } from '@tributary/observability';
import { ConnectorId, ConnectorType } from '../http/schemas';
import { ParseParam } from '../http/zod.pipe';
import { ReadsBody, Responds } from '@tributary/platform';
import { Accepted } from '../http/responses';

/**
 * What a Monte Carlo webhook may carry: an incident webhook (the `MonteCarloWebhook` shape, checked
 * when it is one), or a notification Tributary acknowledges and keeps as ignored.
 */
const MonteCarloDelivery = z.looseObject({
  action: z.string().optional().describe('`incident` or absent for an incident; anything else (e.g. `monitor`) is acknowledged and kept as ignored'),
  type: z.string().optional().describe('the incident kind and transition, e.g. `open_custom_rule_anomaly_incident`'),
  version: z.string().optional().describe('`v0.1`; another version is acknowledged and kept as ignored'),
  payload: MonteCarloWebhook.shape.payload.partial().optional().describe('for an incident: `incident_id` and what changed'),
});

/** Webhooks from sources. Not a credential route: each source's own signature authenticates it. */
@ApiTags('hooks')
@Controller('v1/hooks')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Post(':connectorType/:connectorId')
  @HttpCode(202)
  @Public()
  @ReadsBody('the source\'s webhook, as it sends it, signed with the connector\'s signing secret (Monte Carlo: `x-mcd-signature`, HMAC-SHA512 of the raw body); '
    + 'for `montecarlo`, an incident webhook, or any other JSON object (a monitor notification, another payload version, a body without an '
    + 'incident id), which is acknowledged, kept and listed at GET /v1/ignored-deliveries, never applied', MonteCarloDelivery)
  @Responds('durably logged; the ingestor applies it next', Accepted)
  async receive(@Param('connectorType', new ParseParam('connectorType', ConnectorType)) type: string,
    @Param('connectorId', new ParseParam('connectorId', ConnectorId)) id: string, @Req() req: FastifyRequest) {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { eventIds } = await this.hooks.receive(type, id, raw, req.headers, traceparentFor(req.headers.traceparent as string | undefined));
    return { eventIds };
  }
}
