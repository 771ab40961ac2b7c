export * from './event-log';
export * from './postgres.event-log';
