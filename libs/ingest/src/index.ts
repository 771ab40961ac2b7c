export * from './inbound.processor';
