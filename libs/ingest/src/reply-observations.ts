import { INCIDENT_FIELDS, IncidentObservation, IncidentReply, InboundDelivery } from '@tributary/contracts';
import { IncidentsService, ObservationToApply } from '@tributary/catalog';
import { IncidentRow, TenantId } from '@tributary/store';

/**
 * Replies (what people did in Jira, Freshdesk or Slack) as observations of the incidents they name,
 * for IncidentsService.apply: each becomes a partial observation of its incident's own source and
 * external id, stating only what the reply states, so that it is an ordinary incident change (its
 * change event, its propagation downstream, its notices). It carries no source time: a person's
 * action is not the source's clock, so it stands in arrival order, and a later state from the source
 * with its own time still applies over it. The incident stays kept under its own connector.
 */
export class ReplyObservations {
  constructor(private readonly incidents: IncidentsService) {}

  /**
   * The replies whose incident is the tenant's, as observations to apply, and how many name one that
   * is not (an id unknown here, another tenant's, or no UUID at all): never an error, since a ticket
   * outlives its incident and a label can be typed by anyone.
   */
  async of(tenantId: TenantId, delivery: InboundDelivery, replies: IncidentReply[]): Promise<{ items: ObservationToApply[]; unknown: number }> {
    // One lookup per delivery: replies are people's clicks, a few a minute, not a stream to batch.
    const found = await this.incidents.byIds({ tenantId }, replies.map((r) => r.incidentId));
    const items: ObservationToApply[] = [];
    for (const reply of replies) {
      const incident = found.get(reply.incidentId.toLowerCase());
      if (incident) {
        items.push({ observation: observationOf(reply, incident), connectorId: incident.connectorId, receivedAt: delivery.receivedAt,
          traceparent: delivery.traceparent });
      }
    }
    return { items, unknown: replies.length - items.length };
  }
}

/**
 * The reply over the incident's stored state. The fields it does not state are taken from the
 * incident so that the observation is whole and true, though `statedFields` already keeps them.
 */
function observationOf(reply: IncidentReply, incident: IncidentRow): IncidentObservation {
  const stated = Object.fromEntries(Object.entries(reply.fields).filter(([, value]) => value !== undefined));
  return {
    source: incident.source, externalId: incident.externalId, type: incident.type, rawType: incident.rawType ?? incident.type,
    severity: incident.severity, status: incident.status, rawStatus: incident.rawStatus, title: incident.title, url: incident.url,
    owner: incident.owner, tables: [], sourceTime: null, deliveryKey: reply.deliveryKey,
    ...stated,
    statedFields: INCIDENT_FIELDS.filter((field) => field in stated),
  };
}
