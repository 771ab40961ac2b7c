import { Database, DEFAULT_TENANT } from '@tributary/store';
import { ApiClient } from '../support/api-client';

/** A delivery as GET /v1/deliveries shows it (the fields checked). */
interface DeliveryItem {
  incidentId: string;
  status: string;
  attempts: { at: string; outcome: string; answer: string }[];
}

/** What the platform says it did for one target connector. */
export interface DeliveryLedger {
  rows: number;
  sent: number;
  /** attempts the destination answered 429 (waited out, not counted against the delivery) */
  rateLimited: number;
  /** attempts that failed and were tried again (5xx, timeouts) */
  failed: number;
  /** rows with more than one `sent` attempt: a second send of something already sent */
  sentTwice: number;
  /** catalog incident ids whose delivery was answered 429 at least once: held by the destination's limit */
  limitedIncidents: Set<string>;
  notSent: string[];
}

/** Every delivery to the connector, through GET /v1/deliveries (500 a page). */
export async function deliveryLedger(api: ApiClient, connectorId: string): Promise<DeliveryLedger> {
  const items: DeliveryItem[] = [];
  let cursor: string | null = null;
  do {
    const page = JSON.parse(await api.getText(`/v1/deliveries?connectorId=${connectorId}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as
      { items: DeliveryItem[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const outcomes = (d: DeliveryItem, outcome: string) => d.attempts.filter((a) => a.outcome === outcome).length;
  return {
    rows: items.length,
    sent: items.filter((d) => d.status === 'sent').length,
    rateLimited: items.reduce((n, d) => n + outcomes(d, 'rate_limited'), 0),
    failed: items.reduce((n, d) => n + outcomes(d, 'failed'), 0),
    sentTwice: items.filter((d) => outcomes(d, 'sent') > 1).length,
    limitedIncidents: new Set(items.filter((d) => outcomes(d, 'rate_limited') > 0).map((d) => d.incidentId)),
    notSent: items.filter((d) => d.status !== 'sent').map((d) => `${d.incidentId} ${d.status} (${d.attempts[0]?.outcome ?? 'no attempt'}: ${d.attempts[0]?.answer ?? ''})`),
  };
}

/** The catalog's incident ids by Monte Carlo's (the Jira labels and Freshdesk tags name the catalog's). */
export async function incidentIds(database: Database): Promise<Map<string, string>> {
  const rows = await database.inTenant(DEFAULT_TENANT, (tx) => tx.db.selectFrom('incidents').select(['id', 'external_id'])
    .where('tenant_id', '=', tx.tenantId).where('source', '=', 'montecarlo').execute());
  return new Map(rows.map((r) => [r.external_id, r.id]));
}

export async function deadLetterCount(api: ApiClient): Promise<number> {
  return (JSON.parse(await api.getText('/v1/dead-letters?limit=500')) as { items: unknown[] }).items.length;
}
