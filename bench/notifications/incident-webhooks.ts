import { incidentWebhook, signMonteCarlo } from '../../test/support/montecarlo/webhooks';
import { SOURCE_TABLES, tableRef } from './notify-fixture';

/** Every n-th incident is SEV-1: the ones the per-incident rules send (see the suite's notes for why not all). */
export const SEV1_EVERY = 20;
export const SEV1 = 'SEV-1';

/** One incident's opening webhook, built and signed before the clock starts. */
export interface IncidentWebhook {
  /** Monte Carlo's incident id: `bench-notify-<n>`, found again in what the fakes receive */
  externalId: string;
  severity: string;
  body: string;
  signature: string;
}

export const externalIdOf = (n: number) => `bench-notify-${n}`;
/** The Monte Carlo incident ids a text names (a card, a digest, a form-encoded body). */
export const externalIdsIn = (text: string): Set<string> => new Set([...text.matchAll(/bench-notify-\d+/g)].map((m) => m[0]));

/** `count` openings of distinct incidents, round-robin over the source tables; every SEV1_EVERY-th is SEV-1, the rest SEV-3. */
export function incidentWebhooks(count: number, signingSecret: string): IncidentWebhook[] {
  return Array.from({ length: count }, (_, n) => {
    const externalId = externalIdOf(n);
    const severity = n % SEV1_EVERY === 0 ? SEV1 : 'SEV-3';
    const body = JSON.stringify(incidentWebhook({ incidentId: externalId, severity, tables: [tableRef(n % SOURCE_TABLES)] }));
    return { externalId, severity, body, signature: signMonteCarlo(body, signingSecret) };
  });
}
