import { AppParts } from '@tributary/platform';

/**
 * The propagator process. Today it serves its health, readiness and metrics on the store; the rule
 * engine and its job queue are added to `modules` by the propagation work.
 */
export const propagatorApp: AppParts = { name: 'propagator', modules: () => [] };
