export * from './analytics-store';
