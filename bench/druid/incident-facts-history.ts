import type { IncidentFactRecord } from '@tributary/contracts';
import type { IncidentFact } from '@tributary/analytics';
import { generateIncidentHistory, HistoryShape } from '../analytics/incident-history';
import { Random } from '../support/random';

/** Catalog tables the incidents are on. */
const TABLES = 10_000;
const tableName = (n: number) => `bench/table/${String(n).padStart(5, '0')}`;

export interface FactHistory {
  /** every state change, as the incident-facts topics carry them (what Druid ingests) */
  facts: IncidentFactRecord[];
  /** each incident's newest state (what the analytics store keeps of the same history) */
  incidents: IncidentFact[];
}

/**
 * The analytics suite's incident history turned into incident facts: each incident is opened, updated
 * once (an owner or a severity: the state Druid keeps does not change), acknowledged (most) and
 * resolved (all but the open ones), one fact for each, in sequence order per tenant.
 */
export function generateFactHistory(tenant: string, shape: HistoryShape, now: Date): FactHistory {
  const random = new Random(shape.seed + 1);
  const facts: IncidentFactRecord[] = [];
  const incidents: IncidentFact[] = [];
  let sequence = 0;
  for (const i of generateIncidentHistory(shape, TABLES, now)) {
    const assets = i.assets.map(tableName);
    const base = { tenant, incidentId: i.id, source: 'montecarlo', type: i.type, severity: i.severity, openedAt: i.openedAt, assets,
      downstreamAssets: random.int(0, 50), connector: 'bench', traceId: null };
    const end = (i.resolvedAt ?? now).getTime();
    const updatedAt = new Date(i.openedAt.getTime() + Math.floor((end - i.openedAt.getTime()) * 0.1));
    const changes: { time: Date; acknowledgedAt: Date | null; resolvedAt: Date | null }[] = [
      { time: i.openedAt, acknowledgedAt: null, resolvedAt: null },
      { time: updatedAt, acknowledgedAt: null, resolvedAt: null },
      ...(i.acknowledgedAt ? [{ time: i.acknowledgedAt, acknowledgedAt: i.acknowledgedAt, resolvedAt: null }] : []),
      ...(i.resolvedAt ? [{ time: i.resolvedAt, acknowledgedAt: i.acknowledgedAt, resolvedAt: i.resolvedAt }] : []),
    ];
    for (const c of changes) {
      sequence += 1;
      facts.push({ ...base, id: `fact-${sequence}`, sequence, time: c.time, status: c.resolvedAt ? 'resolved' : 'open',
        acknowledgedAt: c.acknowledgedAt, resolvedAt: c.resolvedAt });
    }
    incidents.push({ id: i.id, source: 'montecarlo', type: i.type, severity: i.severity, status: i.resolvedAt ? 'resolved' : 'open',
      openedAt: i.openedAt, acknowledgedAt: i.acknowledgedAt, resolvedAt: i.resolvedAt, assets, version: sequence });
  }
  return { facts, incidents };
}
