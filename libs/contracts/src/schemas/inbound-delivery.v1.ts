/**
 * One delivery received from a source (a webhook body, or a page item of a backfill), as appended to
 * the inbound log before anything else happens to it. The body is kept verbatim: the ingestor
 * parses it, so a parser fix can be replayed over what was received.
 */
export const InboundDeliveryV1 = {
  type: 'record',
  name: 'InboundDelivery',
  namespace: 'io.tributary.inbound.v1',
  fields: [
    { name: 'id', type: 'string', doc: 'uuid of this delivery' },
    { name: 'tenant', type: 'string' },
    { name: 'connectorId', type: 'string' },
    { name: 'connectorType', type: 'string' },
    { name: 'via', type: { type: 'enum', name: 'Via', symbols: ['webhook', 'backfill', 'replay'] } },
    { name: 'receivedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'contentType', type: 'string' },
    { name: 'body', type: 'string' },
    { name: 'traceparent', type: ['null', 'string'], default: null },
  ],
} as const;

export interface InboundDelivery {
  id: string;
  tenant: string;
  connectorId: string;
  connectorType: string;
  via: 'webhook' | 'backfill' | 'replay';
  receivedAt: Date;
  contentType: string;
  body: string;
  traceparent: string | null;
}
