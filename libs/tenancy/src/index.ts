export * from './tenants.service';
