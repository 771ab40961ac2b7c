export * from './metrics';
export * from './http-metrics.hooks';
export * from './trace-context';
export * from './scrape-cache';
