import { AppParts } from '@tributary/platform';
import { PropagatorModule } from './propagator.module';

/** The propagator process: change log -> rules -> propagation jobs. */
export const propagatorApp: AppParts = { name: 'propagator', modules: () => [{ module: PropagatorModule }] };
