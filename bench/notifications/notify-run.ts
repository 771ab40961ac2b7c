import { Runtime } from '@tributary/platform';
import { ServerRepository } from '@tributary/store';
import { startWebhookSender } from '../inbound/webhook-sender';
import { ApiClient } from '../support/api-client';
import { epochMs } from '../support/clock';
import { sendOutcome, SendTimes } from '../support/open-loop';
import { CpuReading, ProcessUsage } from '../support/process-usage';
import { formatCount, formatMs } from '../support/stats';
import { deadLetterCount, DeliveryLedger, deliveryLedger, incidentIds } from './delivery-check';
import { Destinations, PER_INCIDENT, PerIncidentDestination, Receipt } from './destinations';
import { IncidentWebhook, incidentWebhooks, SEV1 } from './incident-webhooks';
import { addNotifyRule, addTarget, setUpCatalog } from './notify-fixture';

/** A bound on the sender's concurrency; at 17 webhooks a second it is never reached. */
const MAX_IN_FLIGHT = 64;
/** How long after the last webhook every message may take to arrive before the run fails. */
export const DRAIN_LIMIT_MS = 120_000;
const POLL_MS = 100;

export interface NotifyLoad {
  incidents: number;
  seconds: number;
  /** the Slack rule's digest window */
  digestSeconds: number;
  /** how long to keep listening after everything arrived, for a late second message */
  quietMs: number;
}

export interface NotifyRun {
  webhooks: IncidentWebhook[];
  times: SendTimes;
  achievedRate: number;
  /** last webhook sent → the last expected message received */
  drainMs: number;
  /** CPU of the run (first webhook → last expected message) */
  cpu: { from: CpuReading; to: CpuReading };
  destinations: Destinations;
  ledgers: Record<PerIncidentDestination | 'slack', DeliveryLedger>;
  /** catalog incident id → Monte Carlo's */
  externalOf: Map<string, string>;
  deadLetters: number;
  postgresVersion: string;
}

export interface NotifyTarget {
  baseUrl: string;
  adminKey: string;
  runtime: Runtime;
  usage: ProcessUsage;
}

/**
 * The catalog, the four destinations and their rules, then `incidents` signed Monte Carlo openings
 * spread evenly over `seconds`, and a wait until every expected message or digest line has arrived
 * (or DRAIN_LIMIT_MS passed: then it throws). The caller checks and times what arrived.
 */
export async function runNotifications(target: NotifyTarget, load: NotifyLoad, progress: (line: string) => void): Promise<NotifyRun> {
  const api = new ApiClient(target.baseUrl, target.adminKey);
  progress('creating the catalog (tables, lineage), a Monte Carlo connector, the four fakes, their connectors and rules');
  const catalog = await setUpCatalog(api);
  const destinations = await Destinations.start();
  let sender: ReturnType<typeof startWebhookSender> | undefined;
  try {
    const ids = {
      slack: await addTarget(api, 'slack', destinations.slack.config),
      teams: await addTarget(api, 'teams', destinations.teams.config),
      jira: await addTarget(api, 'jira', destinations.jira.config),
      freshdesk: await addTarget(api, 'freshdesk', destinations.freshdesk.config),
    };
    await addNotifyRule(api, { connectorId: ids.slack, digestSeconds: load.digestSeconds });
    for (const d of PER_INCIDENT) await addNotifyRule(api, { connectorId: ids[d], digestSeconds: 0, filter: `incident.severity == "${SEV1}"` });

    const webhooks = incidentWebhooks(load.incidents, catalog.signingSecret);
    const sev1 = webhooks.filter((w) => w.severity === SEV1).length;
    sender = startWebhookSender({ baseUrl: target.baseUrl, maxInFlight: MAX_IN_FLIGHT });
    const ratePerSecond = load.incidents / load.seconds;
    progress(`sending ${formatCount(load.incidents)} incident webhooks at ${ratePerSecond.toFixed(1)}/s for ${load.seconds} s (${sev1} SEV-1)`);
    const from = target.usage.cpu();
    const times = await sender.run({ path: catalog.webhookPath, ratePerSecond, webhooks: webhooks.map(({ body, signature }) => ({ body, signature })) });
    const sending = sendOutcome(times, ratePerSecond, 202);
    if (sending.failures.size > 0) {
      throw new Error(`webhooks not accepted: ${[...sending.failures].map(([status, n]) => `${n} × ${status || 'no answer'}`).join(', ')}`);
    }

    const arrived = () => ({
      slack: new Set(destinations.slackMessages().flatMap((m) => m.names)).size,
      ...Object.fromEntries(PER_INCIDENT.map((d) => [d, new Set(opens(destinations.receipts[d]).flatMap((r) => r.names)).size] as const)),
    }) as Record<PerIncidentDestination | 'slack', number>;
    const complete = (a: Record<string, number>) => a.slack >= load.incidents && PER_INCIDENT.every((d) => a[d] >= sev1);
    while (!complete(arrived())) {
      if (epochMs() - sending.lastSent > DRAIN_LIMIT_MS) {
        throw new Error(`${DRAIN_LIMIT_MS / 1000} s after the last webhook, not everything arrived: `
          + `${Object.entries(arrived()).map(([d, n]) => `${d} ${n}/${d === 'slack' ? load.incidents : sev1}`).join(', ')} incidents`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const to = target.usage.cpu();
    const drainMs = epochMs() - sending.lastSent;
    progress(`everything arrived ${formatMs(drainMs)} after the last webhook; listening ${load.quietMs / 1000} s more for second messages`);
    await new Promise((resolve) => setTimeout(resolve, load.quietMs));

    const ledgers = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([d, id]) => [d, await deliveryLedger(api, id)] as const))) as NotifyRun['ledgers'];
    const externalOf = new Map([...await incidentIds(target.runtime.database)].map(([external, id]) => [id, external]));
    return {
      webhooks, times, achievedRate: sending.achievedRate, drainMs, cpu: { from, to }, destinations, ledgers, externalOf,
      deadLetters: await deadLetterCount(api), postgresVersion: await new ServerRepository(target.runtime.database).version(),
    };
  } finally {
    await sender?.close();
    await destinations.stop();
  }
}

export const opens = (receipts: Receipt[]) => receipts.filter((r) => r.kind === 'open');
