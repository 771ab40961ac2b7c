import 'reflect-metadata';
import { runApp } from '@tributary/platform';
import { apiApp } from './api.app';

void runApp(apiApp);
