export * from './tenants.service';
export * from './new-tenant-id';
