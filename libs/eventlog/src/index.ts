export * from './event-log';
export * from './postgres.event-log';
export * from './kafka.event-log';
export * from './wire-format';
export * from './confluent.wire-format';
export * from './schema-registry.client';
export * from './retry-pause';
export * from './tenant-isolation';
