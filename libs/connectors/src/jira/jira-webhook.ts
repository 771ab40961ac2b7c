import { z } from 'zod';
import type { BodyIssue } from '../source-connector';
import { incidentIdInTags } from '../incident-tag';

/*
 * A Jira webhook body. Its shape is documented only by third parties (consistently): every object
 * is loose, since Jira adds fields over time and an unknown one must never cost a delivery, and
 * every field but the event name and the issue's id and key is optional. A wrong type on a field
 * we read fails the parse.
 */

const text = z.string().nullish();

const JiraUser = z.looseObject({
  accountId: text,
  displayName: text,
  /** hidden by Jira Cloud unless the user's profile shows it */
  emailAddress: text,
});

const JiraIssue = z.looseObject({
  // Jira sends the id as a string; a number is read too, in case a proxy or a Server install re-encodes it.
  id: z.union([z.string().min(1), z.number()]).transform(String),
  key: z.string().min(1),
  fields: z.looseObject({
    status: z.looseObject({
      name: text,
      statusCategory: z.looseObject({ key: text }).nullish(),
    }).nullish(),
    assignee: JiraUser.nullish(),
    labels: z.array(z.string()).nullish(),
  }).nullish(),
});

export const JiraWebhookBody = z.looseObject({
  /** `jira:issue_updated`, `jira:issue_created`, `comment_created`, … */
  webhookEvent: z.string().min(1),
  /** epoch milliseconds */
  timestamp: z.number().nullish(),
  issue_event_type_name: text,
  user: JiraUser.nullish(),
  issue: JiraIssue.nullish(),
  changelog: z.looseObject({
    id: z.union([z.string(), z.number()]).transform(String).nullish(),
    // Only `field` is read. `fromString`/`toString` are kept, not declared: zod reads a property
    // through the prototype, so an item without `toString` would fail on Object.prototype.toString.
    items: z.array(z.looseObject({ field: z.string() })).nullish(),
  }).nullish(),
});
export type JiraWebhookBody = z.infer<typeof JiraWebhookBody>;

/** What a webhook says about one issue. */
export interface JiraIssueChange {
  /** `webhookEvent` */
  event: string;
  issueKey: string;
  issueId: string;
  /** the incident the issue is about, from its `tributary-incident-<id>` label; null for other issues */
  incidentId: string | null;
  /** the status's category now: `new`, `indeterminate`, `done` (or Jira's `undefined`); null when not sent */
  statusCategory: string | null;
  statusName: string | null;
  /** the assignee now: the email where Jira shows it, else the display name, else the account id; null when unassigned */
  assignee: string | null;
  /** the fields this event changed (`status`, `assignee`, …), from the changelog; empty without one */
  changedFields: string[];
  /** the changelog's id: one per change made in Jira, so with the issue it names the change; null without one */
  changelogId: string | null;
  /** when Jira sent it; null when not sent */
  at: Date | null;
}

/**
 * The issue events this reads. Others (comments, worklogs, sprints, projects) change nothing an
 * incident shows; a comment made in Jira also comes as `jira:issue_updated`, with no changelog.
 */
const ISSUE_EVENTS = new Set(['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted']);
const Envelope = z.looseObject({ webhookEvent: z.string().min(1) });

export type ParsedJiraWebhook =
  | { kind: 'issue'; value: JiraIssueChange }
  /** another event: acknowledged and kept, never applied */
  | { kind: 'ignored'; event: string }
  | { kind: 'invalid'; issues: BodyIssue[] };

/** Reads a JSON-decoded webhook body. */
export function parseJiraWebhook(body: unknown): ParsedJiraWebhook {
  // The event first: another event's body is not read further, so its shape can never make it invalid.
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) return invalid(envelope.error);
  if (!ISSUE_EVENTS.has(envelope.data.webhookEvent)) return { kind: 'ignored', event: envelope.data.webhookEvent };
  const parsed = JiraWebhookBody.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const { webhookEvent, issue, changelog, timestamp } = parsed.data;
  if (!issue) return { kind: 'invalid', issues: [{ path: 'issue', message: `an ${webhookEvent} event must name its issue` }] };
  const fields = issue.fields;
  const assignee = fields?.assignee;
  return {
    kind: 'issue',
    value: {
      event: webhookEvent,
      issueKey: issue.key,
      issueId: issue.id,
      incidentId: incidentIdInTags(fields?.labels ?? []),
      statusCategory: fields?.status?.statusCategory?.key ?? null,
      statusName: fields?.status?.name ?? null,
      assignee: assignee?.emailAddress || assignee?.displayName || assignee?.accountId || null,
      changedFields: [...new Set((changelog?.items ?? []).map((i) => i.field))],
      changelogId: changelog?.id ?? null,
      at: typeof timestamp === 'number' ? new Date(timestamp) : null,
    },
  };
}

const invalid = (error: z.ZodError): ParsedJiraWebhook => ({
  kind: 'invalid', issues: error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
});

function pathOf(path: readonly PropertyKey[]): string {
  const joined = path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');
  return joined || '(body)';
}
