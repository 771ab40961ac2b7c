import 'reflect-metadata';
import { runApp } from '@tributary/platform';
import { ingestorApp } from './ingestor.app';

void runApp(ingestorApp);
