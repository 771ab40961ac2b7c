import { AppParts } from '@tributary/platform';

/**
 * The ingestor process. Today it serves its health, readiness and metrics on the store; the inbound
 * pipeline (webhook log -> canonical events -> store) is added to `modules` by the inbound work.
 */
export const ingestorApp: AppParts = { name: 'ingestor', modules: () => [] };
