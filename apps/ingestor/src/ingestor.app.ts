import { AppParts } from '@tributary/platform';
import { AtlasTopicModule } from './atlas-topic.module';
import { IngestorModule } from './ingestor.module';

/** The ingestor process: the inbound log to the store, and the Atlas notification topics it reads onto that log. */
export const ingestorApp: AppParts = { name: 'ingestor', modules: () => [{ module: IngestorModule }, { module: AtlasTopicModule }] };
