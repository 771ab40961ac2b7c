export * from './writeback.jobs';
export * from './writeback-state';
export * from './writeback.planner';
export * from './writeback.processor';
export * from './writeback-deliveries.service';
