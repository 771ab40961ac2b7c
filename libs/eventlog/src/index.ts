export * from './event-log';
export * from './postgres.event-log';
export * from './kafka.event-log';
