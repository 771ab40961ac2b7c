/**
 * One incident state change, as the incident-facts stream carries it to Druid: the incident's whole
 * state after the change (not the difference), so that the newest fact of an incident (highest
 * `sequence`) is all a reader needs, and a replayed fact (the same `sequence`) changes nothing.
 * Written to the incident-facts outbox in the transaction of the change; relayed like the change log.
 */
export const IncidentFactV1 = {
  type: 'record',
  name: 'IncidentFact',
  namespace: 'io.tributary.incidentfacts.v1',
  fields: [
    /** the change event that carried the change (its id): one fact per change and incident */
    { name: 'id', type: 'string' },
    { name: 'tenant', type: 'string' },
    { name: 'incidentId', type: 'string' },
    /** the change's sequence in the tenant's change log: orders an incident's facts */
    { name: 'sequence', type: 'long' },
    /** when the change committed */
    { name: 'time', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'source', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'severity', type: ['null', 'string'], default: null },
    /** open or resolved */
    { name: 'status', type: 'string' },
    { name: 'openedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'acknowledgedAt', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null },
    { name: 'resolvedAt', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null },
    /** the catalog assets its links resolved to, at that moment */
    { name: 'assets', type: { type: 'array', items: 'string' } },
    /** how many distinct assets lie downstream of them (within DOWNSTREAM_DEPTH hops) at that moment */
    { name: 'downstreamAssets', type: 'long' },
    /** the connector that delivered the change, when a connector did */
    { name: 'connector', type: ['null', 'string'], default: null },
    /** the W3C trace id of the request or delivery that made the change */
    { name: 'traceId', type: ['null', 'string'], default: null },
  ],
} as const;

export interface IncidentFactRecord {
  id: string;
  tenant: string;
  incidentId: string;
  sequence: number;
  time: Date;
  source: string;
  type: string;
  severity: string | null;
  status: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  assets: string[];
  downstreamAssets: number;
  connector: string | null;
  traceId: string | null;
}
