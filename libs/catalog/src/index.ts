export * from './write-context';
export * from './qualified-name';
export * from './asset-view';
export * from './change-event.factory';
export * from './assets.service';
export * from './lineage.service';
export * from './classifications.service';
export * from './change-feed.service';
