export * from './analytics-engine';
export * from './analytics-window';
export * from './impact.service';
export * from './lineage-hotspots.service';
export * from './incident-analytics.service';
