export * from './roles';
export * from './principal';
export * from './api-key.service';
export * from './oidc.strategy';
export * from './access.decorators';
export * from './access.guard';
export * from './rate-limiter';
