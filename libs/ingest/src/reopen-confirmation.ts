import { randomUUID } from 'node:crypto';
import { IncidentObservation, InboundDelivery, statedFieldsOf } from '@tributary/contracts';
import { IncidentsService } from '@tributary/catalog';
import { ConnectorsService, LoadedConnector, PulledDelivery } from '@tributary/connectors';
import { Metrics } from '@tributary/observability';
import { TenantId } from '@tributary/store';

/** After the source failed to answer, a connector's reopens apply unchecked for this long instead of each waiting on it. */
const UNCHECKED_AFTER_FAILURE_MS = 60_000;

export interface ReopenCandidate {
  observation: IncidentObservation;
  via: InboundDelivery['via'];
}

type Status = IncidentObservation['status'];

/**
 * Monte Carlo's deliveries carry no time, so arrival order decides between two states. Where it
 * matters most, a webhook that would reopen a resolved incident (a late retry of an old state
 * looks exactly like a real reopen), the delivery is checked against the source's current state
 * before it applies, when the connector has API credentials:
 * - the source says resolved: not applied, counted (`unconfirmed` observations, `refused` checks);
 * - the source says open: applied;
 * - the source does not know the incident, or does not answer (down, slow, rate limited): applied
 *   in arrival order, so the stream is never held up; reconciliation repairs it if it was wrong.
 *   After a failure the connector's reopens go unchecked for a minute, not each waiting again.
 * Pulled states (backfill, reconciliation) are the source's own and are never checked. Without
 * credentials, arrival order stands.
 */
export class ReopenConfirmation {
  private readonly uncheckedUntil = new Map<string, number>();

  constructor(private readonly connectors: ConnectorsService, private readonly incidents: IncidentsService, private readonly metrics: Metrics,
    private readonly now: () => number = Date.now) {}

  /** For each item, in log order, whether to apply it. */
  async check(tenantId: TenantId, connector: LoadedConnector, items: readonly ReopenCandidate[]): Promise<boolean[]> {
    const apply = items.map(() => true);
    const claimsOpen = (c: ReopenCandidate) => c.via === 'webhook' && c.observation.status === 'open' && statedFieldsOf(c.observation).has('status');
    const source = items.some(claimsOpen) ? this.connectors.currentState(connector) : undefined;
    if (!source) return apply;

    const reopening = await this.reopening(tenantId, items, claimsOpen);
    if (reopening.length === 0) return apply;
    const labels = { tenant: tenantId, source: connector.row.type };
    if ((this.uncheckedUntil.get(connector.row.id) ?? 0) > this.now()) {
      this.metrics.reopenConfirmations.inc({ ...labels, result: 'unavailable' }, reopening.length);
      return apply;
    }
    let current: Map<string, Status>;
    try {
      current = statusesIn(tenantId, connector, await source.byIds(reopening.map((i) => items[i].observation.externalId)));
    } catch {
      this.uncheckedUntil.set(connector.row.id, this.now() + UNCHECKED_AFTER_FAILURE_MS);
      this.metrics.reopenConfirmations.inc({ ...labels, result: 'unavailable' }, reopening.length);
      return apply;
    }
    for (const i of reopening) {
      const said = current.get(items[i].observation.externalId);
      if (said === 'resolved') apply[i] = false;
      this.metrics.reopenConfirmations.inc({ ...labels, result: said === undefined ? 'unknown' : said === 'resolved' ? 'refused' : 'confirmed' });
    }
    const refused = apply.filter((a) => !a).length;
    if (refused > 0) this.metrics.ingested.inc({ ...labels, outcome: 'unconfirmed' }, refused);
    return apply;
  }

  /** The items that would turn a resolved incident open: against the store, then against the items before them. */
  private async reopening(tenantId: TenantId, items: readonly ReopenCandidate[], claimsOpen: (c: ReopenCandidate) => boolean): Promise<number[]> {
    const status = new Map<string, Status>();
    for (const source of new Set(items.map((c) => c.observation.source))) {
      const ids = items.filter((c) => c.observation.source === source).map((c) => c.observation.externalId);
      for (const [id, s] of await this.incidents.statusesOf({ tenantId }, source, ids)) status.set(`${source}/${id}`, s);
    }
    const reopening: number[] = [];
    items.forEach((c, i) => {
      const key = `${c.observation.source}/${c.observation.externalId}`;
      const before = status.get(key);
      if (claimsOpen(c) && before === 'resolved') reopening.push(i);
      if (before === undefined || statedFieldsOf(c.observation).has('status')) status.set(key, c.observation.status);
    });
    return reopening;
  }
}

/** The status each pulled state says, by incident; a state the connector cannot read says nothing. */
function statusesIn(tenantId: TenantId, connector: LoadedConnector, deliveries: PulledDelivery[]): Map<string, Status> {
  const statuses = new Map<string, Status>();
  for (const d of deliveries) {
    try {
      const normalized = connector.plugin.normalize({ id: randomUUID(), tenant: tenantId, connectorId: connector.row.id, connectorType: connector.row.type,
        via: 'backfill', receivedAt: new Date(), contentType: d.contentType, body: d.body, traceparent: null }, connector.config);
      if ('observations' in normalized) for (const o of normalized.observations) statuses.set(o.externalId, o.status);
    } catch {
      // unreadable: the incident stays unknown, and the delivery applies in arrival order
    }
  }
  return statuses;
}
