export * from './refresh-plan';
export * from './fact-reader';
