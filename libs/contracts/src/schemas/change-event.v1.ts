/**
 * A change to tenant data, as the change log carries it (the outbox row, relayed by the embedded
 * relay or by Debezium). `data` is JSON text: its shape depends on the type (API.md, "Change events").
 */
export const ChangeEventV1 = {
  type: 'record',
  name: 'ChangeEvent',
  namespace: 'io.tributary.changes.v1',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'tenant', type: 'string' },
    { name: 'sequence', type: 'long' },
    { name: 'type', type: 'string' },
    { name: 'subject', type: 'string' },
    { name: 'time', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'origin', type: 'string' },
    { name: 'traceparent', type: ['null', 'string'], default: null },
    { name: 'data', type: 'string' },
  ],
} as const;

export interface ChangeEventRecord {
  id: string;
  tenant: string;
  sequence: number;
  type: string;
  subject: string;
  time: Date;
  origin: string;
  traceparent: string | null;
  data: string;
}
