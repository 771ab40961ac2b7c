export * from './rule';
export * from './rules.service';
export * from './propagation.jobs';
export * from './propagation.engine';
export * from './propagation.planner';
export * from './change-relay';
export * from './derived-values';
export * from './rule-planning';
