import { z } from 'zod';
import type { OutboundHttp } from '@tributary/outbound';
import { DeliveryRef, IncidentNotice, TargetAnswer, TargetConnector, TargetError } from '../target-connector';
import { incidentTag, ownerLossTag } from '../incident-tag';
import { changeComment, digestDescription, doc, incidentDescription, ownerLossDescription, paragraph } from './jira-adf';
import { JIRA_TARGET, JiraClient, JiraIssueFields, JiraTransition } from './jira-client';
import { jiraReplies } from './jira-replies';

/** Jira's limit on an issue's summary, in characters. */
const MAX_SUMMARY_CHARS = 255;
/**
 * The least time between two deliveries to one site. API-token traffic is held to Jira's burst
 * limits (per second, per endpoint) and its per-issue write limit; a delivery is up to three calls
 * (an update: list transitions, transition, comment). Four deliveries a second is far more than
 * people can read as tickets (bursts go to digests) and leaves the site's limits to its other users.
 */
const MIN_INTERVAL_MS = 250;
/** Search page size: an incident has one issue, more only where a lost ref already made a second. */
const SEARCH_PAGE_SIZE = 50;
/** A bound on the pages read, so that a search that never ends cannot hold a delivery. */
const MAX_SEARCH_PAGES = 20;

/** A Jira label: no whitespace (Jira refuses it), at most 255 characters. */
const Label = z.string().min(1).max(255).regex(/^\S+$/, 'a Jira label cannot contain spaces');

/**
 * `'*'`: any other severity, and none. A severity missing from a map without `'*'` sets no
 * priority, the project's default: `{}` is for projects whose create screen has no priority field.
 */
const DEFAULT_PRIORITIES: Record<string, string> = { 'SEV-1': 'Highest', 'SEV-2': 'High', 'SEV-3': 'Medium', '*': 'Low' };

export const JiraConfig = z.strictObject({
  /**
   * The site, `https://<site>.atlassian.net` (or, for a scoped API token, the gateway
   * `https://api.atlassian.com/ex/jira/<cloudId>`). Any URL parses here: the scheme and host are
   * the outbound policy's to refuse, when saved and on every call.
   */
  baseUrl: z.string().url().max(2048),
  /** the Atlassian account the API token belongs to */
  email: z.string().min(3).max(320).regex(/^[^\s@]+@[^\s@]+$/, 'an email address'),
  /** an Atlassian API token (id.atlassian.com → Security → API tokens); sealed at rest */
  apiToken: z.string().min(1).max(1024),
  /** the project issues are created in, e.g. `OPS` */
  projectKey: z.string().min(1).max(255).regex(/^\S+$/, 'a project key has no spaces'),
  /**
   * The issue type, by name (or by id, when all digits). `Task` by default: every Jira Cloud project
   * template has it (software, business and service projects), where `Bug` is only in software
   * ones, and a data incident is not always a defect in code.
   */
  issueType: z.string().min(1).max(255).default('Task'),
  /** labels on every issue this connector makes (besides `tributary-incident-<id>`) */
  labels: z.array(Label).max(50).default(() => ['tributary']),
  /** priority names by the source's severity (case-insensitive); see DEFAULT_PRIORITIES for `'*'` and `{}` */
  priorityBySeverity: z.record(z.string().min(1).max(64), z.string().min(1).max(255)).default(() => ({ ...DEFAULT_PRIORITIES })),
  /** the transition run when an incident resolves: its name, its id, or its target status's name (case-insensitive) */
  resolveTransition: z.string().min(1).max(255).default('Done'),
  /** the transition run when an incident reopens, likewise */
  reopenTransition: z.string().min(1).max(255).default('To Do'),
});
export type JiraConfig = z.infer<typeof JiraConfig>;

const client = (config: JiraConfig, http: OutboundHttp) => new JiraClient(config, http);

/** `[SEV-1] title` on one line (Jira refuses line breaks in a summary), cut to 255 characters. */
function summaryOf(severity: string | null, title: string): string {
  const line = `${severity ? `[${severity}] ` : ''}${title}`.replace(/\s+/g, ' ').trim();
  if (line.length <= MAX_SUMMARY_CHARS) return line;
  let cut = MAX_SUMMARY_CHARS - 1;
  // never leave half of a surrogate pair
  if (/[\uD800-\uDBFF]/.test(line[cut - 1]!)) cut -= 1;
  return `${line.slice(0, cut)}…`;
}

/** The priority name for a severity, or undefined for the project's default. */
function priorityOf(config: JiraConfig, severity: string | null): string | undefined {
  const map = Object.entries(config.priorityBySeverity);
  const wanted = severity?.trim().toLowerCase();
  return map.find(([s]) => wanted !== undefined && s.toLowerCase() === wanted)?.[1] ?? config.priorityBySeverity['*'];
}

function issueFields(config: JiraConfig, summary: string, description: JiraIssueFields['description'], extra: { labels?: string[]; priority?: string }): JiraIssueFields {
  return {
    project: { key: config.projectKey },
    issuetype: /^\d+$/.test(config.issueType) ? { id: config.issueType } : { name: config.issueType },
    summary,
    description,
    labels: [...new Set([...config.labels, ...(extra.labels ?? [])])],
    ...(extra.priority ? { priority: { name: extra.priority } } : {}),
  };
}

/**
 * The transition to run: one named `wanted` (by name, id, or target status name, case-insensitive),
 * else the first to a status of the first category in `categories` that any transition reaches.
 */
function chooseTransition(transitions: JiraTransition[], wanted: string, categories: string[]): JiraTransition | undefined {
  const w = wanted.trim().toLowerCase();
  const named = transitions.find((t) => t.id === wanted.trim() || t.name.toLowerCase() === w)
    ?? transitions.find((t) => t.to.name?.toLowerCase() === w);
  if (named) return named;
  for (const category of categories) {
    const found = transitions.find((t) => t.to.categoryKey === category);
    if (found) return found;
  }
  return undefined;
}

/** A ref this connector made: `{issueKey, issueId}`, the key an issue key (`OPS-12`) or an id. */
function issueKeyOf(ref: DeliveryRef): string {
  const key = ref?.issueKey;
  if (typeof key !== 'string' || !/^([A-Za-z][A-Za-z0-9_]*-\d+|\d+)$/.test(key)) {
    // A Jira delivery always has a ref; a missing one is a lost ref, which the engine settles with
    // findIssueOfIncident rather than by a second issue.
    throw new TargetError('never', 'the delivery has no Jira issue key to update');
  }
  return key;
}

/**
 * The issue of an incident, found by its label, or null: for the engine, so that a lost ref never
 * makes a second issue. Every page is read and the oldest issue (the lowest id: Jira's ids only
 * grow) is taken, so the answer does not depend on the search's order; a second issue only exists
 * where a lost ref already made one, and the first is the one people follow. Search is eventually
 * consistent: an issue made a moment ago may not be found yet.
 */
export function findIssueOfIncident(config: JiraConfig, http: OutboundHttp, incidentId: string): Promise<{ issueKey: string; issueId: string } | null> {
  return findIssueLabelled(config, http, incidentTag(incidentId));
}

/** The oldest issue of the project with this label, or null (see findIssueOfIncident). */
async function findIssueLabelled(config: JiraConfig, http: OutboundHttp, label: string): Promise<{ issueKey: string; issueId: string } | null> {
  const jira = client(config, http);
  const jql = `project = ${jqlString(config.projectKey)} AND labels = ${jqlString(label)}`;
  let oldest: { id: string; key: string | null } | null = null;
  let token: string | null = null;
  for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
    const result = await jira.searchJql({ jql, fields: ['labels'], maxResults: SEARCH_PAGE_SIZE, nextPageToken: token });
    for (const issue of result.issues) if (oldest === null || Number(issue.id) < Number(oldest.id)) oldest = issue;
    // a token that does not move on would read the same page forever
    if (result.nextPageToken === null || result.nextPageToken === token) break;
    token = result.nextPageToken;
  }
  // Jira takes an id wherever it takes a key: the key is absent only if the search gave ids alone.
  return oldest && { issueKey: oldest.key ?? oldest.id, issueId: oldest.id };
}

/** A JQL string literal: quoted, with `"` and `\` escaped. */
const jqlString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

async function transitionFor(jira: JiraClient, key: string, config: JiraConfig, notice: IncidentNotice): Promise<string> {
  const [wanted, categories, outcome] = notice.change === 'resolved'
    ? [config.resolveTransition, ['done'], 'done']
    // a reopened incident is open again: back to a `new` status before an `indeterminate` one
    : [config.reopenTransition, ['new', 'indeterminate'], 'open'];
  const transition = chooseTransition(await jira.transitions(key), wanted, categories);
  if (!transition) return `; no transition to ${outcome} found (wanted "${wanted}")`;
  await jira.transition(key, transition.id);
  return `; transitioned by "${transition.name}" (${transition.id})`;
}

/**
 * Jira Cloud: an issue per incident, a comment per change, a transition when it resolves or reopens;
 * and back, its admin webhooks: a transition resolves or reopens the incident, an assignee owns it.
 */
export const jiraTarget: TargetConnector<JiraConfig> = {
  kind: 'target',
  type: 'jira',
  description: 'Jira Cloud issues (REST v3, API token): one issue per incident, a comment per change, transitioned on resolve and reopen',
  configSchema: JiraConfig,
  secretPaths: ['apiToken'],
  outboundUrls: [{ path: 'baseUrl', target: JIRA_TARGET, secretPaths: ['apiToken'] }],

  rateLimit(config) {
    // Per site; the gateway's path names the site (its cloudId), so it is part of the key.
    const url = new URL(config.baseUrl);
    return { key: `jira:${`${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase()}`, minIntervalMs: MIN_INTERVAL_MS };
  },

  async open(config, http, notice) {
    const fields = issueFields(config, summaryOf(notice.severity, notice.title), incidentDescription(notice), {
      labels: [incidentTag(notice.incidentId)], priority: priorityOf(config, notice.severity),
    });
    const issue = await client(config, http).createIssue(fields);
    return { answer: `${issue.status} ${issue.key}`, ref: { issueKey: issue.key, issueId: issue.id } };
  },

  async update(config, http, ref, notice): Promise<TargetAnswer> {
    const key = issueKeyOf(ref);
    const jira = client(config, http);
    // The transition goes first: if the comment then fails, the retry finds the issue already moved
    // (no second transition is offered) and comments once; the other order would repeat the comment.
    const moved = notice.change === 'resolved' || notice.change === 'reopened' ? await transitionFor(jira, key, config, notice) : '';
    const comment = await jira.addComment(key, changeComment(notice));
    return { answer: `${comment.status} comment on ${key}${moved}`, ref };
  },

  async digest(config, http, digest) {
    const n = digest.incidents.length;
    const summary = summaryOf(null, `Tributary: ${n} incident${n === 1 ? '' : 's'} from ${digest.from.toISOString()} to ${digest.to.toISOString()}`);
    // No incident label and no priority: the issue is about many incidents, and severities are the
    // sources' words, with no order to pick the "highest" by.
    const issue = await client(config, http).createIssue(issueFields(config, summary, digestDescription(digest), {}));
    return { answer: `${issue.status} ${issue.key}`, ref: { issueKey: issue.key, issueId: issue.id } };
  },

  async announce(config, http, notice) {
    const total = notice.assets.length + notice.more;
    const summary = summaryOf(null, `Tributary: ${total} asset${total === 1 ? '' : 's'} lost their owner ${notice.who} (${notice.reason})`);
    // labelled like an incident's issue, with the loss instead, and no priority (there is no severity)
    const fields = issueFields(config, summary, ownerLossDescription(notice), { labels: [ownerLossTag(notice.lossId)] });
    const issue = await client(config, http).createIssue(fields);
    return { answer: `${issue.status} ${issue.key}`, ref: { issueKey: issue.key, issueId: issue.id } };
  },

  find: findIssueOfIncident,
  findAnnouncement: (config, http, lossId) => findIssueLabelled(config, http, ownerLossTag(lossId)),

  async test(config, http) {
    const description = doc(paragraph('Tributary made this issue to test its Jira connector. It can be deleted.'));
    const issue = await client(config, http).createIssue(issueFields(config, 'Tributary test issue', description, {}));
    return { answer: `${issue.status} ${issue.key} (test issue)`, ref: { issueKey: issue.key, issueId: issue.id } };
  },

  replies: jiraReplies,
};
