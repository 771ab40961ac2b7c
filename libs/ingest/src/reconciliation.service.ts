import { randomUUID } from 'node:crypto';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { IncidentsService } from '@tributary/catalog';
import { ConnectorsService, CurrentStateSource, inboundHeaders, LoadedConnector, PulledDelivery, SourceRateLimited } from '@tributary/connectors';
import { EventLog } from '@tributary/eventlog';
import { Metrics } from '@tributary/observability';
import { INBOUND_STREAM } from './inbound.processor';

/** The periodic task's queue. */
export const RECONCILE_QUEUE = 'reconcile';
/** How far back a pass lists the source's incidents, besides re-reading every open one by id. */
export const RECONCILE_RECENT_MS = 24 * 3_600_000;
/** Open incidents re-read (and logged) per step. */
const OPEN_PER_STEP = 500;
/** A 429 is waited out up to this long per wait and this many times per connector and pass; then the next pass goes on. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_WAITS = 10;

/**
 * Monte Carlo's webhooks carry no time and may be lost or reordered, so every connector with API
 * credentials is reconciled periodically (TRIBUTARY_RECONCILE_MINUTES): the incidents it holds open
 * are re-read by id, and the incidents the source lists for the last day (new ones it never heard
 * of, ones that changed), and each current state is appended to the inbound log as an ordinary
 * delivery. The ingestor applies them like any other, so drift is repaired as ordinary change
 * events, and a state that is already right changes nothing. One connector failing (its source down
 * or its key revoked) does not stop the others; the next pass tries it again.
 */
export class ReconciliationService {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly incidents: IncidentsService,
    private readonly log: EventLog,
    private readonly metrics: Metrics,
    private readonly onFailure: (connectorId: string, err: unknown) => void,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** One pass over every enabled connector that can read its source's current state. */
  async runAll(): Promise<void> {
    for (const id of await this.connectors.enabledIds()) {
      let connector: LoadedConnector | undefined;
      let source: CurrentStateSource | undefined;
      try {
        connector = await this.connectors.load(id);
        source = connector && this.connectors.currentState(connector);
        if (!connector || !source) continue;
        await this.reconcile(connector, source);
        this.metrics.reconciliations.inc({ tenant: connector.row.tenantId, source: connector.row.type, outcome: 'succeeded' });
      } catch (err) {
        if (connector) this.metrics.reconciliations.inc({ tenant: connector.row.tenantId, source: connector.row.type, outcome: 'failed' });
        this.onFailure(id, err);
      }
    }
  }

  /** Re-reads one connector's open and recent incidents and logs their current states. */
  async reconcile(connector: LoadedConnector, source: CurrentStateSource): Promise<void> {
    const ctx = { tenantId: connector.row.tenantId };
    const waits = { left: MAX_RATE_LIMIT_WAITS };
    let after: string | null = null;
    for (;;) {
      const open = await this.incidents.openExternalIds(ctx, connector.row.id, connector.row.type, after, OPEN_PER_STEP);
      if (open.length === 0) break;
      await this.append(connector, await this.waitingOut(waits, () => source.byIds(open)));
      after = open[open.length - 1];
    }
    const range = { since: new Date(Date.now() - RECONCILE_RECENT_MS), until: null };
    let cursor: string | null = null;
    do {
      const page: { deliveries: PulledDelivery[]; next: string | null } = await this.waitingOut(waits, () => source.recent(range, cursor));
      await this.append(connector, page.deliveries);
      cursor = page.next;
    } while (cursor !== null);
  }

  private async append(connector: LoadedConnector, pulled: PulledDelivery[]): Promise<void> {
    if (pulled.length === 0) return;
    const tenantId = connector.row.tenantId;
    const deliveries = pulled.map((d) => ({ orderingKey: d.orderingKey, delivery: {
      id: randomUUID(), tenant: tenantId, connectorId: connector.row.id, connectorType: connector.row.type, via: 'backfill',
      receivedAt: new Date(), contentType: d.contentType, body: d.body, traceparent: null,
    } satisfies InboundDelivery }));
    // Keyed like the source's webhooks (connector/incident), so that one incident's deliveries stay in order.
    await this.log.append(INBOUND_STREAM, deliveries.map(({ orderingKey, delivery }) => ({
      tenantId, key: `${connector.row.id}/${orderingKey}`, value: inboundDeliveryCodec.encode(delivery), headers: inboundHeaders(delivery),
    })));
  }

  /** Runs a read, waiting out the source's 429s (as long as it asks, within limits) and trying again. */
  private async waitingOut<T>(waits: { left: number }, read: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await read();
      } catch (err) {
        if (!(err instanceof SourceRateLimited) || waits.left <= 0) throw err;
        waits.left -= 1;
        await this.sleep(Math.min(err.retryAfterMs, MAX_RATE_LIMIT_WAIT_MS));
      }
    }
  }
}
