export * from './incident-facts-datasources';
export * from './supervisor-specs';
export * from './druid-overlord';
export * from './apply-supervisors';
