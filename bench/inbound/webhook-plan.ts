import { incidentWebhook, signMonteCarlo } from '../../test/support/montecarlo/webhooks';
import { Random } from '../support/random';
import { TABLES, tableRef } from './inbound-fixture';

/** Share of webhooks that open a new incident; the rest update one opened earlier. */
export const NEW_INCIDENT_SHARE = 0.7;

/** Feedback values that keep an incident open, so that every update is an `incident.updated`. */
const OPEN_FEEDBACK = ['investigating', 'acknowledged', 'work_in_progress', 'no_status'];
const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4'];

export interface KnownIncident {
  incidentId: string;
  table: number;
}

export interface PlannedWebhook {
  /** The change-feed key of the state this webhook delivers (see {@link appliedKey}). */
  key: string;
  incident: KnownIncident;
  body: string;
  signature: string;
}

/**
 * Identifies the state a webhook delivers, as its `incident.opened` or `incident.updated` change
 * event shows it: the incident and its owner. Every update names a new owner, so every webhook's
 * state is distinct and none is deduplicated or ordered away.
 */
export const appliedKey = (externalId: string, owner: string | null) => `${externalId}|${owner ?? ''}`;

/**
 * Builds signed v0.1 incident webhooks, deterministically (seeded). Bodies are serialized and signed
 * here, before a phase's clock starts: the load generator shares the CPUs with the server.
 */
export class WebhookPlanner {
  private readonly random: Random;
  private sequence = 0;

  constructor(private readonly signingSecret: string, seed: number) {
    this.random = new Random(seed);
  }

  /**
   * `count` webhooks: new incidents on random tables and, in NEW_INCIDENT_SHARE's complement,
   * updates of `updatable` incidents, each at most once; once those run out, every webhook opens a
   * new incident.
   *
   * The caller passes only incidents whose latest state is already applied. Two states of one
   * incident in one ingestor batch are applied as one change (the newer), so a webhook that could
   * share a batch with another of its incident would never show on its own.
   */
  plan(count: number, updatable: readonly KnownIncident[]): PlannedWebhook[] {
    const unused = [...updatable];
    return Array.from({ length: count }, () => {
      this.sequence += 1;
      if (unused.length > 0 && this.random.next() >= NEW_INCIDENT_SHARE) {
        // Swap-remove: draws without replacement in constant time.
        const i = this.random.int(0, unused.length - 1);
        const incident = unused[i];
        unused[i] = unused[unused.length - 1];
        unused.pop();
        return this.update(incident);
      }
      return this.open({ incidentId: `bench-${this.sequence}`, table: this.random.int(0, TABLES - 1) });
    });
  }

  private open(incident: KnownIncident): PlannedWebhook {
    return this.signed(appliedKey(incident.incidentId, null), incident,
      incidentWebhook({ incidentId: incident.incidentId, tables: [tableRef(incident.table)] }));
  }

  private update(incident: KnownIncident): PlannedWebhook {
    const owner = `oncall-${this.sequence}@acme.io`;
    return this.signed(appliedKey(incident.incidentId, owner), incident, incidentWebhook({
      incidentId: incident.incidentId, tables: [tableRef(incident.table)], owner,
      feedback: this.random.pick(OPEN_FEEDBACK), severity: this.random.pick(SEVERITIES),
    }));
  }

  private signed(key: string, incident: KnownIncident, payload: Record<string, unknown>): PlannedWebhook {
    const body = JSON.stringify(payload);
    return { key, incident, body, signature: signMonteCarlo(body, this.signingSecret) };
  }
}
