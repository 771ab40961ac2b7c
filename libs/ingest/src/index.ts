export * from './inbound.processor';
export * from './backfills.service';
export * from './reopen-confirmation';
export * from './reconciliation.service';
export * from './fact-applier';
export * from './directory-fact.applier';
export * from './openlineage-event.applier';
export * from './atlas-entity.applier';
