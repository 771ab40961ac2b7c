export * from './runtime';
export * from './health.controller';
export * from './platform.module';
export * from './http/http-app';
export * from './http/error-body';
export * from './run-app';
export * from './domain.module';
export * from './http/openapi.decorators';
