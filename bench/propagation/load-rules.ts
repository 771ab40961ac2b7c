import { ApiClient } from '../support/api-client';

/**
 * Built-in rules the measured change does not involve, switched off for the whole suite: with them
 * on, the load alone keeps the propagator busy for hours. deprecation-warning plans one fan-out job
 * per asset.created (100,000 no-ops, which ran at about 5 per second here), and both re-check every
 * asset upstream of each batch of new edges (incident-propagation's check took over 15 s per batch).
 */
export const UNINVOLVED_RULES = ['deprecation-warning', 'incident-propagation'];

/** Switches built-in rules off through the API, as a steward would. */
export async function switchOff(api: ApiClient, ruleIds: string[]): Promise<void> {
  for (const id of ruleIds) await api.patch(`/v1/rules/${encodeURIComponent(id)}`, JSON.stringify({ enabled: false }));
}
