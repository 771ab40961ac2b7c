export * from './refresh-plan';
export * from './fact-reader';
export * from './change-indexer';
export * from './analytics-rebuild';
