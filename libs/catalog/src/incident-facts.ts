import {
  AnalyticsFactsRepository, IncidentRow, NewChangeEvent, NewIncidentFact, TenantTx,
} from '@tributary/store';

/**
 * How far downstream a fact counts the assets its incident reaches: the impact endpoints' default
 * depth. The count runs in the incident's transaction, in the one statement that reads the batch's
 * incidents; deeper walks on a large subgraph would hold the inbound path longer (a 10,000-asset
 * subtree costs ~0.1 s).
 */
export const DOWNSTREAM_DEPTH = 5;

/** The incident fact of one incident change event, all but the sequence the event gets when appended. */
export type PendingIncidentFact = Omit<NewIncidentFact, 'sequence'>;

/**
 * The facts of the incident change events of a transaction: each incident's whole state after the
 * change (as the analytics store reads it: times, the assets its links resolved to) with the count of
 * assets downstream of those assets. Read inside the transaction, before its events take their
 * sequences, so that the outbox lock is held only for the inserts.
 */
export async function incidentFactsOf(
  tx: TenantTx,
  events: NewChangeEvent[],
  rows: Map<string, IncidentRow>,
  repos = { facts: new AnalyticsFactsRepository() },
): Promise<(PendingIncidentFact | null)[]> {
  const incidentIdOf = (e: NewChangeEvent) => (e.type.startsWith('incident.') ? String(e.data.incidentId) : null);
  const ids = [...new Set(events.map(incidentIdOf).filter((id): id is string => id !== null))];
  if (ids.length === 0) return events.map(() => null);
  const states = new Map((await repos.facts.incidentsWithReach(tx, ids, DOWNSTREAM_DEPTH)).map((s) => [s.id, s]));
  const connectors = new Map([...rows.values()].map((r) => [r.id, r.connectorId]));
  return events.map((e) => {
    const id = incidentIdOf(e);
    const s = id === null ? undefined : states.get(id);
    if (!s) return null;
    return {
      id: e.id, incidentId: s.id, time: e.time, source: s.source, type: s.type, severity: s.severity, status: s.status,
      openedAt: s.openedAt, acknowledgedAt: s.acknowledgedAt, resolvedAt: s.resolvedAt, assets: s.assets,
      downstreamAssets: s.downstreamAssets, connector: connectors.get(s.id) ?? null,
      traceId: traceIdOf(e.traceparent), traceparent: e.traceparent,
    };
  });
}

/** The trace id of a W3C traceparent (version-traceid-parentid-flags), null when there is none or it is malformed. */
function traceIdOf(traceparent: string | null): string | null {
  const id = traceparent?.split('-')[1];
  return id && /^[0-9a-f]{32}$/.test(id) ? id : null;
}
