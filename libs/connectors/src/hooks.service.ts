import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { inboundDeliveryCodec, InboundDelivery } from '@tributary/contracts';
import { forbidden, invalid, malformed, unauthenticated } from '@tributary/errors';
import { EventLog } from '@tributary/eventlog';
import { ConnectorsService, connectorNotFound } from './connectors.service';

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
 * Receives a source's webhook: the connector by id, its signature over the raw bytes (before the body
 * is even parsed), then its rate limit (only signed deliveries spend it, so a stranger who knows the
 * URL cannot block the source), then the body's shape; then the delivery is appended to the inbound
 * log, and only once it is durably there does the source get its 202. Every rejection writes nothing.
 */
export class HooksService {
  constructor(private readonly connectors: ConnectorsService, private readonly log: EventLog, private readonly limiter?: DeliveryLimiter) {}

  async receive(type: string, connectorId: string, rawBody: Buffer, headers: IncomingHttpHeaders, traceparent: string): Promise<{ eventIds: string[]; tenant: string }> {
    const connector = await this.connectors.load(connectorId);
    if (!connector || connector.row.type !== type) throw connectorNotFound(connectorId);
    if (!connector.plugin.verifySignature(rawBody, headers, connector.signingSecret)) {
      throw unauthenticated('invalid_signature', `the webhook signature is missing or does not match the connector's signing secret`);
    }
    if (!connector.row.enabled) throw forbidden('connector_disabled', `connector ${connectorId} is disabled; enable it to accept deliveries`);
    this.limiter?.take(connectorId);
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch (err) {
      throw malformed('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
    }
    const checked = connector.plugin.validateBody(body);
    if (!checked.ok) {
      throw invalid('validation_failed', `the ${type} payload is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues: checked.issues });
    }
    const delivery: InboundDelivery = {
      id: randomUUID(), tenant: connector.row.tenantId, connectorId, connectorType: type, via: 'webhook', receivedAt: new Date(),
      contentType: 'application/json', body: rawBody.toString('utf8'), traceparent,
    };
    await this.log.append('inbound', [{
      tenantId: connector.row.tenantId, key: `${connectorId}/${checked.orderingKey}`,
      value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery),
    }]);
    return { eventIds: [delivery.id], tenant: connector.row.tenantId };
  }
}

