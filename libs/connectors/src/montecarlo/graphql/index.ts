export * from './montecarlo-graphql.client';
export * from './montecarlo-graphql.errors';
export * from './montecarlo-graphql.queries';
export * from './montecarlo-graphql.schema';
export * from './montecarlo-incident-node.normalizer';
export * from './montecarlo-time';
