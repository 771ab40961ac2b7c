import { ApiClient } from '../support/api-client';

/** Tables with incidents: each has two assets downstream (a mart, then a report table), so every notice carries a downstream count of 2. */
export const SOURCE_TABLES = 100;
/** Every asset of the catalog: the sources, their marts and the marts' reports. */
export const TABLES = 3 * SOURCE_TABLES;
export const DOWNSTREAM_PER_INCIDENT = 2;

/** How Monte Carlo names table `n` in a webhook (`database:schema.table`). */
export const tableRef = (n: number) => `analytics:public.t_${n}`;
/** The asset the connector's mapping turns `tableRef(n)` into. */
const assetName = (n: number) => `snowflake/acme/ANALYTICS/PUBLIC/T_${n}`;
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

/** What a rule notifies: the target connector, and how (a digest window in seconds, 0: one message per incident; a filter over the incident). */
export interface NotifyRuleSpec {
  connectorId: string;
  digestSeconds: number;
  filter?: string;
}

/**
 * The catalog the incidents land on, through the API as a user would set it up: the table assets,
 * lineage source → mart → report for each source table, and a Monte Carlo connector.
 */
export async function setUpCatalog(api: ApiClient): Promise<{ webhookPath: string; signingSecret: string }> {
  await api.put('/v1/assets', JSON.stringify({
    assets: Array.from({ length: TABLES }, (_, n) => ({ qualifiedName: assetName(n), typeName: 'Table', attributes: { owner: `team-${n % 7}@acme.io` } })),
  }));
  const edges = Array.from({ length: SOURCE_TABLES }, (_, n) => [
    { from: assetName(n), to: assetName(SOURCE_TABLES + n) },
    { from: assetName(SOURCE_TABLES + n), to: assetName(2 * SOURCE_TABLES + n) },
  ]).flat();
  await api.put('/v1/lineage', JSON.stringify({ edges }));
  const connector = await api.post<{ id: string; signingSecret: string }>('/v1/connectors',
    JSON.stringify({ type: 'montecarlo', name: 'bench', config: { mappings: MAPPINGS } }));
  return { webhookPath: `/v1/hooks/montecarlo/${connector.id}`, signingSecret: connector.signingSecret };
}

/** A target connector (its config from a fake) and a notify rule to it, triggered by every incident change. */
export async function addTarget(api: ApiClient, type: string, config: unknown): Promise<string> {
  return (await api.post<{ id: string }>('/v1/connectors', JSON.stringify({ type, name: `bench-${type}`, config }))).id;
}

export async function addNotifyRule(api: ApiClient, rule: NotifyRuleSpec): Promise<string> {
  return (await api.post<{ id: string }>('/v1/rules', JSON.stringify({
    name: `notify ${rule.connectorId}`, trigger: ['incident.opened', 'incident.updated', 'incident.resolved'],
    action: { type: 'notify', connectorId: rule.connectorId, digestSeconds: rule.digestSeconds },
    ...(rule.filter ? { filter: rule.filter } : {}),
  }))).id;
}
