import 'reflect-metadata';
import { runApp } from '@tributary/platform';
import { propagatorApp } from './propagator.app';

void runApp(propagatorApp);
