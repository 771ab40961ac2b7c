import { createHmac, randomUUID } from 'node:crypto';

/** Monte Carlo's signature: lowercase hex HMAC-SHA512 of the body, keyed with the signing secret. */
export const signMonteCarlo = (body: string, secret: string) => createHmac('sha512', secret).update(body).digest('hex');

export interface IncidentWebhookOptions {
  incidentId?: string;
  type?: string;
  tables?: (string | null)[];
  feedback?: string | null;
  severity?: string | null;
  owner?: string;
  updatedTime?: string;
  /** put the update fields at the top level instead of inside payload */
  topLevelUpdates?: boolean;
  /** `payload.group_id`: `database:schema` when the events name bare tables */
  groupId?: string | null;
}

/** A Monte Carlo legacy (v0.1) incident webhook body, as in the contract. */
export function incidentWebhook(o: IncidentWebhookOptions = {}): Record<string, unknown> {
  const incidentId = o.incidentId ?? randomUUID();
  const updates = {
    ...(o.feedback !== undefined ? { alert_feedback: o.feedback } : {}),
    ...(o.severity !== undefined ? { declared_alert_severity: o.severity } : {}),
    ...(o.owner !== undefined ? { owner: o.owner } : {}),
  };
  return {
    account: { id: '9a59c6f1-203a-4c72-8cd7-132db7f21b92' },
    action: 'incident',
    type: o.type ?? 'open_anomaly_incident',
    version: 'v0.1',
    ...(o.topLevelUpdates ? updates : {}),
    payload: {
      incident_id: incidentId,
      url: `https://getmontecarlo.com/incidents/${incidentId}`,
      group_id: o.groupId ?? null,
      ...(o.topLevelUpdates ? {} : updates),
      ...(o.updatedTime ? { updated_time: o.updatedTime } : {}),
      event_list: (o.tables ?? ['analytics:public.orders']).map((table_name) => ({
        table_name, event_details: 'Has 42 rows vs. 101 expected',
      })),
    },
  };
}

export interface IncidentUpdateOptions {
  incidentId: string;
  type?: string;
  feedback?: string | null;
  /** `declared_alert_severity`; null when the incident is unmarked */
  severity?: string | null;
  owner?: string | null;
}

/**
 * An update as Monte Carlo sends it after creation: the incident id and only the fields that
 * changed (a field left undefined here is absent from the body), no event list, no url.
 */
export function incidentUpdateWebhook(o: IncidentUpdateOptions): Record<string, unknown> {
  return {
    account: { id: '9a59c6f1-203a-4c72-8cd7-132db7f21b92' },
    action: 'incident',
    type: o.type ?? 'open_anomaly_incident',
    version: 'v0.1',
    payload: {
      incident_id: o.incidentId,
      ...(o.feedback !== undefined ? { alert_feedback: o.feedback } : {}),
      ...(o.severity !== undefined ? { declared_alert_severity: o.severity } : {}),
      ...(o.owner !== undefined ? { owner: o.owner } : {}),
    },
  };
}
