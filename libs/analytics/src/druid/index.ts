export * from './druid-incident-analytics';
export * from './druid-sql.client';
export * from './incident-facts.datasource';
