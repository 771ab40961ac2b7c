import { randomUUID } from 'node:crypto';
import { inboundDeliveryCodec, InboundDelivery } from '@tributary/contracts';
import { conflict, invalid } from '@tributary/errors';
import { EventLog } from '@tributary/eventlog';
import type { TenantId } from '@tributary/store';
import { ConnectorsService } from '../connectors.service';
import { inboundHeaders } from '../hooks.service';
import { parseOpenLineageEvent } from './openlineage-event.schema';
import { OPENLINEAGE_CONTENT_TYPE, openlineageConnector, orderingKeyOf } from './openlineage.connector';

/** The most events one batch may carry: an OpenLineage client batches far fewer (100 by default). */
export const MAX_BATCH_EVENTS = 10_000;

/** `POST /api/v1/lineage/batch`'s answer, as the OpenLineage spec (`spec/OpenLineage.yml`) defines it. */
export interface BatchAnswer {
  status: 'success' | 'partial_success';
  summary: { received: number; successful: number; failed: number; retriable: number; non_retriable: number };
  failed_events: { index: number; reason: string; retriable: boolean }[];
}

/**
 * Receives OpenLineage events, posted with an API key by the OpenLineage clients' HTTP transport.
 * The tenant is the key's; the connector is the tenant's one enabled `openlineage` connector (its
 * mapping rules are read when the event is applied). None is 409 `openlineage_connector_missing`,
 * and so is more than one (`openlineage_connector_ambiguous`): the transport cannot say which it
 * means, and applying one tenant's events under two mappings would make two assets of each dataset.
 * Each event is checked against the OpenLineage schema; the valid ones are appended to the inbound
 * log (ordered by job, or by dataset for a DatasetEvent) before the answer, and the ingestor
 * applies them. A failing event is never logged: alone, it is 422 naming the path; in a batch, the
 * others still go and the answer lists it.
 */
export class OpenLineageReceiver {
  constructor(private readonly connectors: ConnectorsService, private readonly log: EventLog) {}

  async receiveOne(tenantId: TenantId, body: unknown, traceparent: string | null): Promise<{ eventIds: string[] }> {
    const connectorId = await this.connectorOf(tenantId);
    const parsed = parseOpenLineageEvent(body);
    if (!parsed.ok) {
      throw invalid('validation_failed', `the OpenLineage event is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues: parsed.issues });
    }
    return { eventIds: await this.append(tenantId, connectorId, [{ body, orderingKey: orderingKeyOf(parsed.value) }], traceparent) };
  }

  async receiveBatch(tenantId: TenantId, body: unknown, traceparent: string | null): Promise<BatchAnswer> {
    if (!Array.isArray(body)) throw invalid('validation_failed', 'the batch is a JSON array of OpenLineage events', { issues: [{ path: '(body)', message: 'must be an array' }] });
    if (body.length > MAX_BATCH_EVENTS) {
      throw invalid('batch_too_large', `a batch carries at most ${MAX_BATCH_EVENTS} events, not ${body.length}`, { maxEvents: MAX_BATCH_EVENTS });
    }
    const connectorId = await this.connectorOf(tenantId);
    const valid: { body: unknown; orderingKey: string }[] = [];
    const failed: BatchAnswer['failed_events'] = [];
    body.forEach((event, index) => {
      const parsed = parseOpenLineageEvent(event);
      if (parsed.ok) valid.push({ body: event, orderingKey: orderingKeyOf(parsed.value) });
      else failed.push({ index, reason: parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; '), retriable: false });
    });
    await this.append(tenantId, connectorId, valid, traceparent);
    return {
      status: failed.length === 0 ? 'success' : 'partial_success',
      summary: { received: body.length, successful: valid.length, failed: failed.length, retriable: 0, non_retriable: failed.length },
      failed_events: failed,
    };
  }

  private async connectorOf(tenantId: TenantId): Promise<string> {
    const enabled = (await this.connectors.list(tenantId)).filter((c) => c.type === openlineageConnector.type && c.enabled);
    if (enabled.length === 0) {
      throw conflict('openlineage_connector_missing', 'this tenant has no enabled openlineage connector; create one with POST /v1/connectors '
        + '{"type": "openlineage", "name": …, "config": {}} (its mapping rules turn dataset names into qualified names)');
    }
    if (enabled.length > 1) {
      throw conflict('openlineage_connector_ambiguous', `this tenant has ${enabled.length} enabled openlineage connectors; events go to exactly one: `
        + 'disable or delete the others', { connectorIds: enabled.map((c) => c.id) });
    }
    return enabled[0].id;
  }

  private async append(tenantId: TenantId, connectorId: string, events: { body: unknown; orderingKey: string }[], traceparent: string | null): Promise<string[]> {
    if (events.length === 0) return [];
    const receivedAt = new Date();
    const deliveries = events.map((e): { delivery: InboundDelivery; key: string } => ({
      key: `${connectorId}/${e.orderingKey}`,
      delivery: { id: randomUUID(), tenant: tenantId, connectorId, connectorType: openlineageConnector.type, via: 'webhook', receivedAt,
        contentType: OPENLINEAGE_CONTENT_TYPE, body: JSON.stringify(e.body), traceparent },
    }));
    await this.log.append('inbound', deliveries.map(({ delivery, key }) => ({
      tenantId, key, value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery),
    })));
    return deliveries.map((d) => d.delivery.id);
  }
}
