import { AppParts } from '@tributary/platform';
import { IngestorModule } from './ingestor.module';

/** The ingestor process: the inbound log to the store. */
export const ingestorApp: AppParts = { name: 'ingestor', modules: () => [{ module: IngestorModule }] };
