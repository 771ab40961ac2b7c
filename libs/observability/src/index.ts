export * from './metrics';
export * from './http-metrics.middleware';
export * from './trace-context';
export * from './scrape-cache';
