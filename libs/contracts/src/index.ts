export * from './incident-observation';
