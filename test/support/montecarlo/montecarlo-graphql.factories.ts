import { randomUUID } from 'node:crypto';

/**
 * Nodes in the shape Monte Carlo's GraphQL API returns them, for MonteCarloGraphqlServer and the
 * normalizer's specs. Overrides replace whole fields.
 */

const ACCOUNT = '9a59c6f1-203a-4c72-8cd7-132db7f21b92';
const RESOURCE = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

/** The MCON Monte Carlo gives a table: `MCON++<account>++<resource>++table++<full table id>`. */
export const tableMcon = (fullTableId: string) => `MCON++${ACCOUNT}++${RESOURCE}++table++${fullTableId}`;

/** A `Table` as an incident event carries it. */
export const warehouseTable = (fullTableId: string) => ({ fullTableId, mcon: tableMcon(fullTableId) });

/** A `getIncidents` node: one freshness anomaly on `analytics:public.orders`, still open. */
export function incidentNode(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: randomUUID(),
    incidentType: 'ANOMALIES',
    incidentSubTypes: ['freshness_anomaly'],
    feedback: null,
    feedbackTime: null,
    severity: null,
    owner: null,
    createdTime: '2024-05-01T12:00:00.123456+00:00',
    updatedTime: null,
    events: { edges: [{ node: { table: warehouseTable('analytics:public.orders') } }] },
    ...overrides,
  };
}

/** A `getAlerts` node (the newer alerts model): one volume alert on `analytics:public.orders`. */
export function alertNode(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const uuid = randomUUID();
  return {
    id: uuid,
    uuid,
    type: 'ANOMALIES',
    subTypes: ['volume_anomaly'],
    title: 'Unexpected drop in row count',
    status: null,
    feedback: null,
    severity: null,
    url: `https://getmontecarlo.com/alerts/${uuid}`,
    owner: null,
    createdTime: '2024-05-01T12:00:00.000000+00:00',
    updatedTime: null,
    tables: [{ mcon: tableMcon('analytics:public.orders') }],
    ...overrides,
  };
}
