export * from './notification.jobs';
export * from './notice-builder';
export * from './notification.planner';
export * from './delivery.processor';
export * from './deliveries.service';
