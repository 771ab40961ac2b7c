import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { Public } from '@tributary/auth';
import { FreshdeskWebhookBody, HooksService, JiraWebhookBody, MonteCarloWebhook, OktaEventHookBody } from '@tributary/connectors';
import { traceparentFor } from '@tributary/observability';
import { ConnectorId, ConnectorType } from '../http/schemas';
import { ParseParam } from '../http/zod.pipe';
import { ReadsBody, Responds, RespondsEmpty } from '@tributary/platform';
import { Accepted, OktaVerification } from '../http/responses';

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

/** Slack's interactivity request: one form field holding the `block_actions` payload as JSON. */
const SlackInteraction = z.strictObject({ payload: z.string().describe('the `block_actions` payload (JSON) of a click on a notice\'s button') });

/** Webhooks from sources and replies from targets. Not a credential route: each sender's own authentication proves it. */
@ApiTags('hooks')
@Controller('v1/hooks')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Post(':connectorType/:connectorId')
  @HttpCode(202)
  @Public()
  @ReadsBody('the webhook, as the sender sends it, authenticated with the connector\'s signing secret: '
    + '`montecarlo`: signed `x-mcd-signature` (HMAC-SHA512 of the raw body); an incident webhook, or any other JSON object (a monitor '
    + 'notification, another payload version, a body without an incident id), which is acknowledged, kept and listed at '
    + 'GET /v1/ignored-deliveries, never applied. `jira`: an admin webhook signed `X-Hub-Signature: sha256=<hex>` (HMAC-SHA256); an issue '
    + 'event about an issue labelled `tributary-incident-<id>` resolves, reopens or assigns that incident, any other is kept as ignored. '
    + '`freshdesk`: an automation rule\'s webhook with the secret in `X-Tributary-Secret` or as the Basic auth password, its body the '
    + 'documented template (`ticket_id`, `ticket_status`, `ticket_tags`, `ticket_agent_email`, bare or in `freshdesk_webhook`); a ticket '
    + 'tagged `tributary-incident-<id>` resolves, reopens or assigns that incident, any other is kept as ignored. An incident id not in '
    + 'the connector\'s tenant changes nothing and is kept as ignored (`unknown_incident`). `atlan`: an Atlan webhook (sent as '
    + '`text/plain`), the secret Atlan showed when the webhook was saved in `x-atlan-signing-secret` (entered as the connector\'s '
    + '`signingSecret`); the body an AtlasNotificationMessage (whole or GZIP; a split part is 422). Atlan\'s validation ping, sent '
    + 'without the secret, is acknowledged and kept as ignored (`validation_ping`); so are the bridge\'s own writes (`own_write`), '
    + 'relationship notifications and unknown operations',
  z.union([MonteCarloDelivery, JiraWebhookBody, ...FreshdeskWebhookBody.options]))
  @Responds('durably logged; the ingestor applies it next', Accepted)
  async receive(@Param('connectorType', new ParseParam('connectorType', ConnectorType)) type: string,
    @Param('connectorId', new ParseParam('connectorId', ConnectorId)) id: string, @Req() req: FastifyRequest) {
    return this.logged(type, id, req);
  }

  /** Slack's own route: Slack counts an interactivity answer other than 200 as failing, and shows the person an error. */
  @Post('slack/:connectorId')
  @HttpCode(200)
  @Public()
  @ReadsBody('a click on a notice\'s Acknowledge or Resolve button (the Slack app\'s Interactivity request URL), signed '
    + '`X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{body}` with the app\'s signing secret (the connector\'s '
    + '`signingSecret`); a timestamp more than 5 minutes from now is 401 `stale_request`. `tributary_acknowledge` marks the incident '
    + 'acknowledged (its source status `acknowledged`; it stays open), `tributary_resolve` resolves it; another action is kept as ignored',
  SlackInteraction, 'application/x-www-form-urlencoded')
  @Responds('durably logged, answered at once (Slack wants its answer within 3 s); the ingestor applies it next', Accepted)
  async slack(@Param('connectorId', new ParseParam('connectorId', ConnectorId)) id: string, @Req() req: FastifyRequest) {
    return this.logged('slack', id, req);
  }

  /**
   * Okta's own route: an event hook wants 200 or 204 with an empty body within 3 s, and does not
   * retry a 4xx (okta.md). Logged before the answer, like every delivery.
   */
  @Post('okta/:connectorId')
  @HttpCode(204)
  @Public()
  @ReadsBody('an Okta event hook delivery (`data.events[]`: LogEvents), authenticated by the connector\'s signing secret sent verbatim in '
    + '`Authorization` (the hook\'s authentication field). User lifecycle, profile, group and membership events update the tenant\'s '
    + 'directory (deduplicated by `uuid`, ordered by `published`); a delivery with none of them is kept as ignored', OktaEventHookBody)
  @RespondsEmpty('durably logged; the ingestor applies it next')
  async okta(@Param('connectorId', new ParseParam('connectorId', ConnectorId)) id: string, @Req() req: FastifyRequest): Promise<void> {
    await this.logged('okta', id, req);
  }

  /** Okta's one-time verification of the hook's URL (`POST /api/v1/eventHooks/{id}/lifecycle/verify` makes Okta send it). */
  @Get('okta/:connectorId')
  @Public()
  @Responds('the challenge of `X-Okta-Verification-Challenge`, echoed; the `Authorization` secret is checked when sent', OktaVerification)
  async oktaVerification(@Param('connectorId', new ParseParam('connectorId', ConnectorId)) id: string, @Req() req: FastifyRequest) {
    return { verification: await this.hooks.challenge('okta', id, req.headers) };
  }

  private async logged(type: string, id: string, req: FastifyRequest): Promise<{ eventIds: string[] }> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { eventIds } = await this.hooks.receive(type, id, raw, req.headers, traceparentFor(req.headers.traceparent as string | undefined));
    return { eventIds };
  }
}
