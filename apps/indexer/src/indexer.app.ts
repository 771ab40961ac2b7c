import { AppParts } from '@tributary/platform';
import { IndexerModule } from './indexer.module';

/** The indexer process: change log -> analytics store. Composed only where the process holds an analytics store. */
export const indexerApp: AppParts = {
  name: 'indexer',
  modules: (runtime) => (runtime.analytics ? [{ module: IndexerModule }] : []),
};
