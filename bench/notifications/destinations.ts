import { freshdeskTarget, jiraTarget, slackTarget, teamsTarget } from '@tributary/connectors';
import { FreshdeskFake, startFreshdeskFake } from '../../test/support/fakes/freshdesk-fake';
import { JiraFake, startJiraFake } from '../../test/support/fakes/jira-fake';
import type { ReceivedRequest } from '../../test/support/fakes/received-request';
import { SlackFake, startSlackFake } from '../../test/support/fakes/slack-fake';
import { startTeamsFake, TeamsFake } from '../../test/support/fakes/teams-fake';
import { externalIdsIn } from './incident-webhooks';

/** The destinations that get one message or ticket per incident. */
export const PER_INCIDENT = ['teams', 'jira', 'freshdesk'] as const;
export type PerIncidentDestination = (typeof PER_INCIDENT)[number];

/** What a destination's fake accepted: a new message or ticket, a change to one, or something else (a search, a transition list). */
export interface Receipt {
  at: number;
  kind: 'open' | 'update' | 'other';
  /** who it is about: Monte Carlo ids found in a Teams card, `tributary-incident-<id>` labels and tags of a Jira issue or Freshdesk ticket */
  names: string[];
}

/** Requests a destination answered with an error, by status (429: its rate limit). */
export type Refusals = Map<number, number>;

/**
 * The four fakes on loopback, each telling the benchmark what it accepted and when: Slack with its
 * per-channel limit on (~1 message a second, 429 with Retry-After beyond it), Teams Workflows, Jira
 * Cloud and Freshdesk. Slack's receipt time is its message `ts` (the fake's clock when it posted).
 */
export class Destinations {
  readonly receipts: Record<PerIncidentDestination, Receipt[]> = { teams: [], jira: [], freshdesk: [] };
  readonly refusals: Record<PerIncidentDestination, Refusals> = { teams: new Map(), jira: new Map(), freshdesk: new Map() };

  private constructor(readonly slack: SlackFake, readonly teams: TeamsFake, readonly jira: JiraFake, readonly freshdesk: FreshdeskFake) {}

  static async start(): Promise<Destinations> {
    let self: Destinations | undefined;
    const told = (to: PerIncidentDestination) => (r: ReceivedRequest) => self?.record(to, r);
    const [slack, teams, jira, freshdesk] = await Promise.all([
      startSlackFake({ rateLimit: true }), startTeamsFake({ onReceive: told('teams') }), startJiraFake({ onReceive: told('jira') }),
      startFreshdeskFake({ onReceive: told('freshdesk') }),
    ]);
    self = new Destinations(slack, teams, jira, freshdesk);
    return self;
  }

  /** The engine's own pacing of each destination (least time between two sends), as its target plugin declares it. */
  minIntervalMs(): Record<PerIncidentDestination | 'slack', number> {
    return {
      slack: slackTarget.rateLimit(this.slack.config).minIntervalMs,
      teams: teamsTarget.rateLimit(this.teams.config).minIntervalMs,
      jira: jiraTarget.rateLimit(this.jira.config).minIntervalMs,
      freshdesk: freshdeskTarget.rateLimit(this.freshdesk.config).minIntervalMs,
    };
  }

  /** Slack's messages in the rule's channel: what a digest carried is in its blocks (one line per incident, linking Monte Carlo). */
  slackMessages(): { at: number; names: string[]; versions: number; replies: number; text: string }[] {
    return this.slack.messages().map((m) => {
      const first = m.versions[0]!;
      return {
        at: Number(m.ts) * 1000, names: [...externalIdsIn(`${first.text ?? ''}\n${JSON.stringify(first.blocks)}`)],
        versions: m.versions.length, replies: m.replies.length, text: first.plain,
      };
    });
  }

  async stop(): Promise<void> {
    await Promise.all([this.slack, this.teams, this.jira, this.freshdesk].map((f) => f.stop()));
  }

  private record(to: PerIncidentDestination, r: ReceivedRequest): void {
    if (r.status >= 300) {
      this.refusals[to].set(r.status, (this.refusals[to].get(r.status) ?? 0) + 1);
      return;
    }
    this.receipts[to].push({ at: r.at, ...classify(to, r) });
  }
}

const INCIDENT_TAG = /^tributary-incident-/;

/** What an accepted request did, by each destination's API (see the fakes), and whom it names. */
function classify(to: PerIncidentDestination, r: ReceivedRequest): Omit<Receipt, 'at'> {
  const json = () => JSON.parse(r.body) as Record<string, unknown>;
  switch (to) {
    case 'teams':
      // Workflows gives nothing back to edit: every card is a message of its own
      return { kind: 'open', names: [...externalIdsIn(r.body)] };
    case 'jira':
      if (r.method === 'POST' && r.path === '/rest/api/3/issue') {
        const labels = ((json().fields as { labels?: string[] } | undefined)?.labels ?? []);
        return { kind: 'open', names: labels.filter((l) => INCIDENT_TAG.test(l)) };
      }
      // a comment or a transition changes an issue; searches and transition lists change nothing
      return { kind: r.method === 'POST' && /\/(comment|transitions)$/.test(r.path) ? 'update' : 'other', names: [] };
    case 'freshdesk':
      if (r.method === 'POST' && /^\/api\/v2\/tickets\/?$/.test(r.path)) {
        return { kind: 'open', names: ((json().tags as string[] | undefined) ?? []).filter((t) => INCIDENT_TAG.test(t)) };
      }
      return { kind: r.method === 'GET' ? 'other' : 'update', names: [] };
  }
}
