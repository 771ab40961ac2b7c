import { AppParts } from '@tributary/platform';
import { apiApp } from '../../api/src/api.app';
import { ingestorApp } from '../../ingestor/src/ingestor.app';
import { propagatorApp } from '../../propagator/src/propagator.app';

/** `npm start`: the api, the ingestor and the propagator in one process, on the embedded defaults. */
export const platformApp: AppParts = {
  name: 'platform',
  modules: (runtime) => [apiApp, ingestorApp, propagatorApp].flatMap((a) => a.modules(runtime)),
  onReady: apiApp.onReady,
};
