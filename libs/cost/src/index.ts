export * from './bench-results';
