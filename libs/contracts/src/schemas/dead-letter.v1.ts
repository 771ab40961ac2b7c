/**
 * What the dead-letter stream carries: one event that could not be parsed, validated, mapped or
 * delivered, with the reason, so that a Kafka deployment has a dead-letter topic beside the store's
 * dead letters (which the API lists and replays by `id`).
 */
export const DeadLetterV1 = {
  type: 'record',
  name: 'DeadLetter',
  namespace: 'io.tributary.deadletters.v1',
  fields: [
    { name: 'id', type: 'string', doc: 'the dead letter in the store: GET/replay it through the API by this id' },
    { name: 'tenant', type: 'string' },
    { name: 'stream', type: 'string', doc: 'where it came from: a log stream (inbound, changes) or a job queue (jobs:<queue>)' },
    { name: 'reason', type: 'string' },
    { name: 'time', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'key', type: ['null', 'string'], default: null, doc: 'the original record key, when a log record was parked' },
    { name: 'headers', type: { type: 'map', values: 'string' }, default: {} },
    { name: 'value', type: ['null', 'bytes'], default: null, doc: 'the original record value, byte for byte' },
    { name: 'payload', type: ['null', 'string'], default: null, doc: 'JSON of what was parked when it was not a log record (a job)' },
  ],
} as const;

export interface DeadLetterRecord {
  id: string;
  tenant: string;
  stream: string;
  reason: string;
  time: Date;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
  payload: string | null;
}
