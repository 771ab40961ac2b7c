import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { inboundDeliveryCodec, InboundDelivery } from '@tributary/contracts';
import { forbidden, invalid, malformed, notFound, unauthenticated } from '@tributary/errors';
import { EventLog } from '@tributary/eventlog';
import { ConnectorsService, connectorNotFound } from './connectors.service';
import { hookIntakeOf } from './hook-intake';

/** Headers of an inbound record: the CloudEvents attributes in Kafka's binary-mode form, and the trace. */
export function inboundHeaders(d: InboundDelivery): Record<string, string> {
  return {
    ce_specversion: '1.0', ce_id: d.id, ce_type: 'io.tributary.inbound.delivery', ce_source: `/connectors/${d.connectorType}/${d.connectorId}`,
    ce_time: d.receivedAt.toISOString(), ce_tenant: d.tenant, 'content-type': 'application/avro',
    ...(d.traceparent ? { traceparent: d.traceparent } : {}),
  };
}

/** Admits or refuses (429) one more delivery to a connector: the per-connector rate limit. */
export interface DeliveryLimiter {
  take(connectorId: string): void;
}

/**
 * Receives a connector's webhook, a source's delivery or a target's reply (Jira, Freshdesk, Slack):
 * the connector by id, its authentication over the raw bytes (before the body is even parsed), then
 * its enabled flag, then its rate limit (only authenticated deliveries spend it, so a stranger who
 * knows the URL cannot block the sender), then the body's shape; then the delivery is appended to
 * the inbound log, and only once it is durably there does the sender get its 2xx. Every rejection
 * writes nothing.
 */
export class HooksService {
  constructor(private readonly connectors: ConnectorsService, private readonly log: EventLog, private readonly limiter?: DeliveryLimiter) {}

  async receive(type: string, connectorId: string, rawBody: Buffer, headers: IncomingHttpHeaders, traceparent: string): Promise<{ eventIds: string[]; tenant: string }> {
    const connector = await this.connectors.loadAny(connectorId);
    if (!connector || connector.row.type !== type) throw connectorNotFound(connectorId);
    const intake = hookIntakeOf(connector.plugin);
    if (!intake) throw notFound('no_webhooks', `a ${type} connector receives no webhooks`);
    const auth = intake.verify(rawBody, headers, connector.signingSecret, Date.now());
    if (auth === 'stale') {
      throw unauthenticated('stale_request', 'the request is signed with a timestamp too far from now: a replayed or delayed request is refused');
    }
    if (auth !== 'verified') {
      throw unauthenticated('invalid_signature', 'the webhook\'s signature or secret is missing or does not match the connector\'s signing secret');
    }
    if (!connector.row.enabled) throw forbidden('connector_disabled', `connector ${connectorId} is disabled; enable it to accept deliveries`);
    this.limiter?.take(connectorId);
    const requestType = headerValue(headers['content-type']) ?? 'application/json';
    const checked = intake.validate(rawBody, requestType);
    if (!checked.ok) {
      if ('malformed' in checked) throw malformed(checked.malformed.code, checked.malformed.message);
      throw invalid('validation_failed', `the ${type} payload is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues: checked.issues });
    }
    const delivery: InboundDelivery = {
      id: randomUUID(), tenant: connector.row.tenantId, connectorId, connectorType: type, via: 'webhook', receivedAt: new Date(),
      contentType: intake.loggedContentType ?? requestType, body: rawBody.toString('utf8'), traceparent,
    };
    await this.log.append('inbound', [{
      tenantId: connector.row.tenantId, key: `${connectorId}/${checked.orderingKey}`,
      value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery),
    }]);
    return { eventIds: [delivery.id], tenant: connector.row.tenantId };
  }

  /**
   * A source's one-time verification of its webhook URL (Okta's GET with
   * `X-Okta-Verification-Challenge`): the challenge to echo. The connector's secret is checked when
   * the request carries the header the source authenticates with (see the connector's
   * `verificationChallenge` for why it is not required); then the enabled flag, as for a delivery.
   */
  async challenge(type: string, connectorId: string, headers: IncomingHttpHeaders): Promise<string> {
    const connector = await this.connectors.loadAny(connectorId);
    if (!connector || connector.row.type !== type) throw connectorNotFound(connectorId);
    const plugin = connector.plugin;
    if (plugin.kind !== 'source' || !plugin.verificationChallenge) throw notFound('no_verification', `a ${type} connector has no URL verification`);
    if (headers.authorization !== undefined && !plugin.verifySignature(Buffer.alloc(0), headers, connector.signingSecret)) {
      throw unauthenticated('invalid_signature', 'the request\'s secret does not match the connector\'s signing secret');
    }
    if (!connector.row.enabled) throw forbidden('connector_disabled', `connector ${connectorId} is disabled; enable it to accept deliveries`);
    const challenge = plugin.verificationChallenge(headers);
    if (challenge === undefined) throw malformed('missing_challenge', 'the verification request carries no challenge header');
    return challenge;
  }
}

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
