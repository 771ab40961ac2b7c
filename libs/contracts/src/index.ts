export * from './incident-observation';
export * from './schemas/inbound-delivery.v1';
export * from './schemas/incident-observation.v1';
export * from './schemas/change-event.v1';
export * from './avro/avro-codec';
export * from './codecs';
