import 'reflect-metadata';
import { runApp } from '@tributary/platform';
import { platformApp } from './platform.app';

void runApp(platformApp);
