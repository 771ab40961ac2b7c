import { AppParts } from '@tributary/platform';
import { apiApp } from '../../api/src/api.app';
import { indexerApp } from '../../indexer/src/indexer.app';
import { ingestorApp } from '../../ingestor/src/ingestor.app';
import { propagatorApp } from '../../propagator/src/propagator.app';

/** `npm start`: the api, the ingestor, the propagator and the indexer in one process, on the embedded defaults. */
export const platformApp: AppParts = {
  name: 'platform',
  modules: (runtime) => [apiApp, ingestorApp, propagatorApp, indexerApp].flatMap((a) => a.modules(runtime)),
  onReady: apiApp.onReady,
  embeddedAnalytics: true,
  console: true,
};
