import type { ProcessUse } from '@tributary/cost';
import { platformApp } from '../apps/platform/src/platform.app';
import { LOCAL_OUTBOUND_CONFIG } from '../test/support/outbound';
import { Destinations, PER_INCIDENT, PerIncidentDestination } from './notifications/destinations';
import { checkExactlyOnce, ExactlyOnce } from './notifications/exactly-once';
import { SEV1, SEV1_EVERY } from './notifications/incident-webhooks';
import { DOWNSTREAM_PER_INCIDENT, SOURCE_TABLES, TABLES } from './notifications/notify-fixture';
import { DRAIN_LIMIT_MS, NotifyLoad, NotifyRun, opens, runNotifications } from './notifications/notify-run';
import { spread } from './inbound/phase-summary';
import { figure, latencyFigures } from './support/figures';
import { startInProcessPlatform } from './support/in-process-platform';
import { coresBetween, ProcessUsage } from './support/process-usage';
import { Distribution, distribution, formatBytes, formatCount, formatMs } from './support/stats';
import { BenchSuite, Measurement } from './suite';

/** BENCH_QUICK=1: 200 incidents in 12 s (the same rate), for trying the suite out, never for the record. */
const QUICK = process.env.BENCH_QUICK === '1';
/**
 * 1,000 incidents in a minute, as the issue asks. Slack's rule uses a 5 s digest window: one
 * channel takes ~1 message a second, and a digest names at most 100 incidents (the engine's
 * DIGEST_LIMIT), so a window must gather ≤ 100 at ~17 a second: 10 s would gather ~167 and fall
 * behind by the surplus each window.
 */
const LOAD: NotifyLoad = QUICK
  ? { incidents: 200, seconds: 12, digestSeconds: 5, quietMs: 10_000 }
  : { incidents: 1000, seconds: 60, digestSeconds: 5, quietMs: 10_000 };
const TARGET_P99_MS = 2000;

/**
 * Notify rules under a burst: Monte Carlo incidents through the platform to local fakes of Slack
 * (a digest rule, the fake enforcing its per-channel limit), Teams, Jira and Freshdesk (one
 * message or ticket per SEV-1 incident). Exactly-once is checked before anything is timed.
 */
export const notificationsSuite: BenchSuite = {
  id: 'notifications',
  title: 'Notifications: incidents to Slack, Teams, Jira and Freshdesk',
  run: async (progress) => {
    progress('starting the platform app on an embedded PostgreSQL, outbound calls allowed to loopback');
    const platform = await startInProcessPlatform(platformApp, { ...LOCAL_OUTBOUND_CONFIG, reconcileMinutes: 0 });
    const usage = await ProcessUsage.start(platform.runtime.database);
    try {
      const run = await runNotifications({ baseUrl: platform.baseUrl, adminKey: platform.adminKey, runtime: platform.runtime, usage }, LOAD, progress);
      progress('checking that every incident arrived exactly once per destination');
      const checked = checkExactlyOnce(run);
      return {
        postgresVersion: run.postgresVersion,
        parameters: parameters(run),
        table: perDestinationTable(run, checked),
        measurements: [...measurements(run, checked),
          { name: 'peak RSS of the Node process during the suite', value: formatBytes(usage.peakRssBytes()) }],
        figures: [figure('peak-rss.node', 'peak RSS of the Node process during the suite', usage.peakRssBytes(), 'bytes')],
        processes: deliveryProcesses(run),
        notes: notes(run.destinations),
      };
    } finally {
      usage.stop();
      await platform.stop();
    }
  },
};

interface Timing {
  all: Distribution;
  /** deliveries neither answered 429 nor received within the engine's pacing interval of the destination's previous message */
  free: Distribution;
  held: number;
}

/** Webhook sent → the fake's receipt of the incident's card, issue or ticket, for each SEV-1 incident. */
function perIncidentTiming(run: NotifyRun, d: PerIncidentDestination): Timing {
  const minInterval = run.destinations.minIntervalMs()[d];
  const sentAt = new Map(run.webhooks.map((w, i) => [w.externalId, run.times.sentAt[i]]));
  const idOf = new Map([...run.externalOf].map(([id, external]) => [external, id]));
  const writes = run.destinations.receipts[d].filter((r) => r.kind !== 'other').sort((a, b) => a.at - b.at);
  const all: number[] = [];
  const free: number[] = [];
  for (const r of opens(writes)) {
    const external = r.names[0]!.startsWith('tributary-incident-') ? run.externalOf.get(r.names[0]!.slice('tributary-incident-'.length))! : r.names[0]!;
    const latency = r.at - sentAt.get(external)!;
    all.push(latency);
    const previous = writes[writes.indexOf(r) - 1];
    const held = run.ledgers[d].limitedIncidents.has(idOf.get(external)!) || (previous !== undefined && r.at - previous.at < minInterval);
    if (!held) free.push(latency);
  }
  return { all: distribution(all), free: distribution(free), held: all.length - free.length };
}

/** Webhook sent → the digest naming the incident arriving in Slack, for every incident. */
function slackTiming(run: NotifyRun): Distribution {
  const sentAt = new Map(run.webhooks.map((w, i) => [w.externalId, run.times.sentAt[i]]));
  return distribution(run.destinations.slackMessages().flatMap((m) => m.names.map((name) => m.at - sentAt.get(name)!)));
}

function measurements(run: NotifyRun, checked: ExactlyOnce): Measurement[] {
  const slack = run.destinations.slackMessages();
  const perIncident = PER_INCIDENT.map((d): Measurement => {
    const t = perIncidentTiming(run, d);
    const met = t.free.p99 <= TARGET_P99_MS;
    const name = `${d}: webhook → ${d === 'teams' ? 'card' : d === 'jira' ? 'issue' : 'ticket'} received, not held by a limit`;
    return { name, figures: latencyFigures(`${d}.free`, name, t.free, { p: 'p99', ms: TARGET_P99_MS }),
      value: `${spread(t.free)} (${formatCount(checked.messages[d] - t.held)} of ${formatCount(checked.messages[d])}; all of them: `
        + `p50 ${formatMs(t.all.p50)}, p99 ${formatMs(t.all.p99)})`,
      target: { text: `p99 ≤ ${formatMs(TARGET_P99_MS)}`, met } };
  });
  const seconds = (run.cpu.to.at - run.cpu.from.at) / 1000;
  const node = run.cpu.to.node - run.cpu.from.node;
  const postgres = run.cpu.to.postgres - run.cpu.from.postgres;
  const deliveries = Object.values(run.ledgers).reduce((n, l) => n + l.sent, 0);
  const made = Object.values(checked.messages).reduce((n, m) => n + m, 0);
  return [
    { name: 'incidents, each delivered exactly once per destination',
      value: `${formatCount(run.webhooks.length)} incidents sent at ${run.achievedRate.toFixed(1)}/s, all accepted; every incident in exactly one Slack digest, `
        + `each SEV-1 in exactly one Teams card, Jira issue and Freshdesk ticket; all ${formatCount(deliveries)} deliveries \`sent\` once, 0 dead letters` },
    ...perIncident,
    { name: 'slack: digests', value: `${formatCount(slack.length)} digest messages for ${formatCount(run.webhooks.length)} incidents, `
      + `${formatCount(checked.updates.slack)} edits; incidents in each, in order: ${slack.map((m) => m.names.length).join(', ')}; `
      + `time between digests: ${slack.slice(1).map((m, i) => (m.at - slack[i]!.at) / 1000).map((s) => s.toFixed(1)).join(', ')} s` },
    { name: 'slack: webhook → the digest naming it received', value: spread(slackTiming(run)),
      figures: latencyFigures('slack.digest', 'slack: webhook → the digest naming it received', slackTiming(run)) },
    { name: 'slack: 429s the fake answered', value: `${formatCount(run.destinations.slack.rateLimitedCount())} (rate_limited attempts recorded: ${formatCount(run.ledgers.slack.rateLimited)})` },
    { name: 'last webhook → everything received', value: formatMs(run.drainMs) },
    { name: 'CPU per delivery (Node process + PostgreSQL, first webhook → last message)',
      value: `${(((node + postgres) * 1000) / deliveries).toFixed(1)} ms per delivery (${formatCount(deliveries)} deliveries), `
        + `${(((node + postgres) * 1000) / made).toFixed(1)} ms per message or ticket made (${formatCount(made)}); `
        + `Node ${node.toFixed(1)} s + PostgreSQL ${postgres.toFixed(1)} s over ${seconds.toFixed(0)} s (${((node + postgres) / seconds).toFixed(2)} cores; `
        + `other processes on the machine meanwhile ${coresBetween(run.cpu.from, run.cpu.to).others.toFixed(2)} cores)` },
  ];
}

/** CPU of the Node process and of PostgreSQL from the first webhook to the last message; "events" are the deliveries sent. */
function deliveryProcesses(run: NotifyRun): ProcessUse[] {
  const wallSeconds = (run.cpu.to.at - run.cpu.from.at) / 1000;
  const events = Object.values(run.ledgers).reduce((n, l) => n + l.sent, 0);
  const phase = `${run.webhooks.length} incidents to four destinations, first webhook → last message`;
  return [
    { key: 'delivery.platform', process: 'platform', phase, wallSeconds, cpuSeconds: run.cpu.to.node - run.cpu.from.node, events,
      note: 'the platform app with the load generator and the fake destinations in one Node process' },
    { key: 'delivery.postgresql', process: 'postgresql', phase, wallSeconds, cpuSeconds: run.cpu.to.postgres - run.cpu.from.postgres, events },
  ];
}

function perDestinationTable(run: NotifyRun, checked: ExactlyOnce): { columns: string[]; rows: string[][] } {
  const pacing = run.destinations.minIntervalMs();
  const refused = (d: string) => {
    const m = d === 'slack' ? new Map([[429, run.destinations.slack.rateLimitedCount()]]) : run.destinations.refusals[d as PerIncidentDestination];
    return [...m].filter(([, n]) => n > 0).map(([status, n]) => `${n} × ${status}`).join(', ') || 'none';
  };
  return {
    columns: ['destination', 'rule', 'incidents', 'messages or tickets', 'edits', 'refused by the fake', 'engine pacing'],
    rows: (['slack', ...PER_INCIDENT] as const).map((d) => [
      d, d === 'slack' ? `digest, ${LOAD.digestSeconds} s window` : `one per incident, \`incident.severity == "${SEV1}"\``,
      formatCount(run.ledgers[d].rows), formatCount(checked.messages[d]), formatCount(checked.updates[d]), refused(d), `${pacing[d]} ms`,
    ]),
  };
}

function parameters(run: NotifyRun): [string, string][] {
  const sev1 = run.webhooks.filter((w) => w.severity === SEV1).length;
  return [
    ['catalog', `${formatCount(TABLES)} table assets; lineage source → mart → report for each of ${SOURCE_TABLES} source tables, so every `
      + `notice carries ${DOWNSTREAM_PER_INCIDENT} downstream assets; one Monte Carlo connector`],
    ['incidents', `${formatCount(run.webhooks.length)} signed Monte Carlo v0.1 openings of distinct incidents, round-robin over the source `
      + `tables, sent evenly over ${LOAD.seconds} s (open loop from a worker thread, keep-alive HTTP on loopback)${QUICK ? ' (BENCH_QUICK)' : ''}; `
      + `every ${SEV1_EVERY}th is ${SEV1} (${sev1}, one every ${((LOAD.seconds / run.webhooks.length) * SEV1_EVERY).toFixed(1)} s), the rest SEV-3`],
    ['rules', `Slack: every incident, digest window ${LOAD.digestSeconds} s; Teams, Jira, Freshdesk: one message or ticket per incident `
      + `(digestSeconds 0) for \`incident.severity == "${SEV1}"\`; all triggered by incident.opened, .updated and .resolved`],
    ['destinations', 'local fakes (test/support/fakes) in the benchmark process, on loopback, no network latency: Slack bot token to #incidents '
      + 'with its ~1 message/s per channel limit ON (429 + Retry-After beyond it), Teams Workflows, Jira Cloud, Freshdesk'],
    ['stack', 'the platform app (api, ingestor, propagator, notifier and delivery jobs, as `npm start` composes them) in-process on its embedded '
      + 'PostgreSQL (fresh data directory), default configuration but outbound calls allowed to 127.0.0.1 (`outboundAllowPrivate`, '
      + '`outboundAllowedHosts`) and Monte Carlo reconciliation off (`reconcileMinutes: 0`)'],
  ];
}

function notes(destinations: Destinations): string[] {
  const pacing = destinations.minIntervalMs();
  return [
    `Why only SEV-1 goes one per incident: the engine paces each destination itself (Teams ${pacing.teams} ms, Freshdesk ${pacing.freshdesk} ms, `
      + `Jira ${pacing.jira} ms between sends, the target plugins' \`rateLimit\`), so 1,000 incidents a minute one by one would queue for `
      + `~${Math.round(1000 * pacing.teams / 1000 / 60)} min to Teams and Freshdesk and ~${Math.round(1000 * pacing.jira / 1000 / 60)} min to Jira, `
      + 'and their p99 would measure that queue. Bursts are what digests are for; the per-incident rules take the share their pacing can carry '
      + `(one every ${(LOAD.seconds / LOAD.incidents * SEV1_EVERY).toFixed(1)} s), and Slack gets all of them as digests.`,
    `Slack's window is ${LOAD.digestSeconds} s, not 10 s: one channel takes about one message a second, so 1,000 incidents in a minute cannot go `
      + 'one message each; and a digest names at most 100 incidents (the engine\'s DIGEST_LIMIT), the rest waiting a whole further window, so '
      + 'at ~17 incidents a second a 10 s window (~167 incidents) would fall behind by ~67 each window. Even 5 s falls behind here: the next '
      + 'window is counted from the end of a digest\'s send (the job defers itself by the window after sending), so windows are the window '
      + 'plus the time to build and send a digest, and a full digest of 100 leaves the surplus to the next (see the digest sizes and the '
      + 'time between digests above). Slack\'s delay is therefore the window plus a backlog that grows over the minute.',
    'Exactly once is checked before any time is reported, by the incident in what each fake received: the Monte Carlo incident link in each '
      + 'Slack digest line and Teams card, the `tributary-incident-<id>` label of each Jira issue and tag of each Freshdesk ticket; every '
      + 'incident once per destination, none missing or extra, no message naming two; GET /v1/deliveries lists one delivery per incident and '
      + `destination, all \`sent\` with one sent attempt; no dead letters. The suite listens ${LOAD.quietMs / 1000} s after the last expected `
      + `message for late second ones, and fails (nothing recorded) if anything is off or not everything arrives within ${DRAIN_LIMIT_MS / 1000} s.`,
    'Webhook → received runs from the webhook\'s actual send (the sender thread\'s clock) to the fake\'s reading of the request body (the '
      + 'same epoch performance clock, same process). "Not held by a limit" leaves out deliveries answered 429, and those the fake received '
      + 'within the engine\'s pacing interval of the destination\'s previous write; the count kept is shown, and the distribution over all of '
      + 'them beside it. That filter misses most holds: the engine defers a delivery whose pacing slot is taken without recording an attempt, '
      + 'and the queue picks the deferred job up at its next poll (500 ms on the embedded queue), so a held delivery arrives a second or more '
      + 'after the previous one and looks free. Deliveries reach the notifier unevenly (ingest and change-log batches), so two SEV-1s 1.2 s '
      + 'apart are often under 1 s apart by then: Teams and Freshdesk (paced at 1 s) run slower than Jira (250 ms) most likely for that reason (not '
      + 'measured apart), and '
      + 'Jira\'s figure is the closest to an unheld delivery.',
    'Slack\'s times are to the digest: they include the window by design, so they have no target. Its receipt time is the fake\'s message `ts`.',
    'CPU is the Node process (all threads: the platform, the fakes and the sender) and all PostgreSQL processes from /proc, from the first '
      + 'webhook to the last expected message; it includes ingesting the webhooks and the catalog work each incident makes, so per delivery '
      + 'it is an upper bound on what notifying costs. Deliveries are delivery rows sent (a digest sends one per incident it names).',
  ];
}
