import { formatCount } from '../support/stats';
import { PER_INCIDENT } from './destinations';
import { SEV1 } from './incident-webhooks';
import { NotifyRun, opens } from './notify-run';

const INCIDENT_TAG = 'tributary-incident-';
/** The last line of a Slack digest too long for one message: the incidents it counts are not named in it. */
const UNLISTED = /more not listed here/;

export interface ExactlyOnce {
  /** messages (Slack: digests) or tickets made, by destination */
  messages: Record<string, number>;
  /** changes to a message or ticket already made (Slack chat.update or a thread reply, Jira comment or transition, Freshdesk note or update) */
  updates: Record<string, number>;
}

/**
 * The checks before any time is trusted: every incident in exactly one message or ticket per
 * destination that should have it (Slack: one line in exactly one digest; Teams, Jira, Freshdesk:
 * the SEV-1 incidents, one card, issue or ticket each, and nothing about the others), by the
 * incident's id in what each fake received; every delivery `sent` once in GET /v1/deliveries; no
 * dead letters. Throws, naming every discrepancy, when one does not hold.
 */
export function checkExactlyOnce(run: NotifyRun): ExactlyOnce {
  const problems: string[] = [];
  const all = run.webhooks.map((w) => w.externalId);
  const sev1 = run.webhooks.filter((w) => w.severity === SEV1).map((w) => w.externalId);
  if (run.externalOf.size !== all.length) problems.push(`${all.length} incidents were opened, the store holds ${run.externalOf.size}`);

  const slack = run.destinations.slackMessages();
  problems.push(...once('slack', slack.map((m) => m.names), all));
  const unlisted = slack.filter((m) => UNLISTED.test(m.text)).length;
  if (unlisted > 0) problems.push(`slack: ${unlisted} digests left incidents unnamed ("more not listed"), so they cannot be checked`);
  const messages: Record<string, number> = { slack: slack.length };
  const updates: Record<string, number> = { slack: slack.reduce((n, m) => n + m.versions - 1 + m.replies, 0) };

  for (const d of PER_INCIDENT) {
    const made = opens(run.destinations.receipts[d]);
    messages[d] = made.length;
    updates[d] = run.destinations.receipts[d].filter((r) => r.kind === 'update').length;
    const named = made.map((r) => r.names.map((name) => (name.startsWith(INCIDENT_TAG) ? run.externalOf.get(name.slice(INCIDENT_TAG.length)) ?? name : name)));
    const several = named.filter((names) => names.length !== 1).length;
    if (several > 0) problems.push(`${d}: ${several} messages name no incident, or more than one`);
    problems.push(...once(d, named, sev1));
  }

  for (const [d, ledger] of Object.entries(run.ledgers)) {
    const expected = d === 'slack' ? all.length : sev1.length;
    if (ledger.rows !== expected) problems.push(`${d}: GET /v1/deliveries lists ${ledger.rows} deliveries, ${expected} expected`);
    if (ledger.notSent.length > 0) problems.push(`${d}: ${ledger.notSent.length} deliveries not sent, e.g. ${ledger.notSent.slice(0, 3).join('; ')}`);
    if (ledger.sentTwice > 0) problems.push(`${d}: ${ledger.sentTwice} deliveries record more than one sent attempt`);
  }
  if (run.deadLetters > 0) problems.push(`${run.deadLetters} dead letters`);
  if (problems.length > 0) throw new Error(`exactly once does not hold, so no time is reported:\n  - ${problems.join('\n  - ')}`);
  return { messages, updates };
}

/** Each expected incident named exactly once over the messages, and no other: the problems found. */
function once(destination: string, messages: string[][], expected: string[]): string[] {
  const counts = new Map<string, number>();
  for (const names of messages) for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const wanted = new Set(expected);
  const missing = expected.filter((id) => !counts.has(id));
  const twice = [...counts].filter(([id, n]) => wanted.has(id) && n > 1);
  const unexpected = [...counts.keys()].filter((id) => !wanted.has(id));
  const problems: string[] = [];
  const some = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;
  if (missing.length > 0) problems.push(`${destination}: ${formatCount(missing.length)} incidents never arrived (${some(missing)})`);
  if (twice.length > 0) problems.push(`${destination}: ${formatCount(twice.length)} incidents arrived more than once (${some(twice.map(([id, n]) => `${id} × ${n}`))})`);
  if (unexpected.length > 0) problems.push(`${destination}: ${formatCount(unexpected.length)} incidents arrived that no rule sends there (${some(unexpected)})`);
  return problems;
}
