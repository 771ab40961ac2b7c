export * from './retention.service';
