export * from './source-connector';
export * from './connector-registry';
export * from './connectors.service';
export * from './hooks.service';
export { montecarloConnector, MonteCarloConfig } from './montecarlo/montecarlo.connector';
export { MonteCarloWebhook } from './montecarlo/montecarlo-webhook.schema';
