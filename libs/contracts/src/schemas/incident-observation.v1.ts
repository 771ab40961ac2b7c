/** The Avro form of IncidentObservation (../incident-observation.ts): what the ingestor applies. */
export const IncidentObservationV1 = {
  type: 'record',
  name: 'IncidentObservation',
  namespace: 'io.tributary.incidents.v1',
  fields: [
    { name: 'source', type: 'string' },
    { name: 'externalId', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'rawType', type: 'string' },
    { name: 'severity', type: ['null', 'string'], default: null },
    { name: 'status', type: { type: 'enum', name: 'IncidentStatus', symbols: ['open', 'resolved'] } },
    { name: 'rawStatus', type: ['null', 'string'], default: null },
    { name: 'title', type: ['null', 'string'], default: null },
    { name: 'url', type: ['null', 'string'], default: null },
    { name: 'owner', type: ['null', 'string'], default: null },
    {
      name: 'tables',
      type: { type: 'array', items: { type: 'record', name: 'ObservedTable', fields: [
        { name: 'ref', type: 'string' },
        { name: 'qualifiedName', type: ['null', 'string'], default: null },
      ] } },
    },
    { name: 'sourceTime', type: ['null', 'string'], default: null },
    { name: 'deliveryKey', type: 'string' },
  ],
} as const;
