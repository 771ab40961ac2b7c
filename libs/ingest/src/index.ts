export * from './inbound.processor';
export * from './backfills.service';
