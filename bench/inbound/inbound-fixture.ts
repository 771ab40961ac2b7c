import { ApiClient } from '../support/api-client';
import { chunk } from '../support/concurrency';

/** Catalog tables that webhooks name; each exists as an asset before the first webhook. */
export const TABLES = 2000;

/** How Monte Carlo names table `n` in a webhook (`database:schema.table`). */
export const tableRef = (n: number) => `analytics:public.t_${n}`;

/** The asset the connector's mapping turns `tableRef(n)` into. */
const assetName = (n: number) => `snowflake/acme/ANALYTICS/PUBLIC/T_${n}`;

const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

export interface MonteCarloConnector {
  /** Path of the connector's webhook on the API. */
  webhookPath: string;
  signingSecret: string;
}

/**
 * What a tenant has before Monte Carlo starts sending: the tables as assets (so that every incident
 * resolves to one) and a Monte Carlo connector, through the API as a user would set them up.
 */
export async function setUpCatalog(api: ApiClient): Promise<MonteCarloConnector> {
  const names = Array.from({ length: TABLES }, (_, n) => assetName(n));
  for (const batch of chunk(names, 1000)) {
    await api.put('/v1/assets', JSON.stringify({ assets: batch.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }));
  }
  const connector = await api.post<{ id: string; signingSecret: string }>('/v1/connectors',
    JSON.stringify({ type: 'montecarlo', name: 'bench', config: { mappings: MAPPINGS } }));
  return { webhookPath: `/v1/hooks/montecarlo/${connector.id}`, signingSecret: connector.signingSecret };
}
