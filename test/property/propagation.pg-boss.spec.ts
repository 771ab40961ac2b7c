import { describePropagationProperty, describeReferenceModel } from './propagation.property';

/** The propagation property on the embedded job queue (pg-boss on the test PostgreSQL). */
describeReferenceModel();
describePropagationProperty({ name: 'pgboss' });
