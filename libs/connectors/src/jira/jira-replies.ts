import { createHash } from 'node:crypto';
import type { ReplyFields } from '@tributary/contracts';
import { jsonBody } from '../hook-intake';
import { IgnoredDelivery, NormalizeError } from '../source-connector';
import type { ReplyIntake } from '../target-connector';
import { verifyJiraSignature } from './jira-signature';
import { JiraIssueChange, parseJiraWebhook } from './jira-webhook';
import type { JiraConfig } from './jira.target';

/**
 * A Jira admin webhook about an issue the Jira target opened (it carries the incident's
 * `tributary-incident-<id>` label), signed `X-Hub-Signature: sha256=<hex>` with the connector's
 * signing secret, which the admin pastes into the webhook's Secret field.
 */
export const jiraReplies: ReplyIntake<JiraConfig> = {
  verify: (rawBody, headers, signingSecret) => (verifyJiraSignature(rawBody, headers, signingSecret) ? 'verified' : 'invalid'),

  validate(rawBody) {
    const json = jsonBody(rawBody);
    if (!json.ok) return json;
    const parsed = parseJiraWebhook(json.body);
    if (parsed.kind === 'invalid') return { ok: false, issues: parsed.issues };
    // one issue's events stay in the order Jira sent them
    return { ok: true, orderingKey: parsed.kind === 'issue' ? `issue/${parsed.value.issueId}` : `event/${parsed.event}` };
  },

  normalize(delivery) {
    let parsed;
    try {
      parsed = parseJiraWebhook(JSON.parse(delivery.body));
    } catch (err) {
      throw new NormalizeError(`the Jira webhook is not JSON: ${(err as Error).message}`);
    }
    if (parsed.kind === 'invalid') throw new NormalizeError(`the Jira webhook is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    if (parsed.kind === 'ignored') return { ignored: ignored('not_an_issue_change', parsed.event) };
    const change = parsed.value;
    if (change.incidentId === null) return { ignored: ignored('not_ours', change.event) };
    const fields = fieldsOf(change);
    if (Object.keys(fields).length === 0) return { ignored: ignored('no_change', change.event) };
    return { replies: [{ incidentId: change.incidentId, fields, deliveryKey: deliveryKeyOf(delivery.connectorId, change, delivery.body) }] };
  },
};

/**
 * What the change says about the incident, from the changelog only: an issue event without one (a
 * comment, the issue's creation by the target itself) states nothing.
 * - A status change states the status by the category it went to: `done` resolves, any other (a
 *   transition out of done, a reopen) states open, which reopens a resolved incident and changes
 *   nothing on an open one. The changelog names the old status but not its category, so a move
 *   between two open statuses (To Do → In Progress) states open too: it changes nothing unless the
 *   incident was resolved elsewhere while its issue stayed open, and then the issue is the later word.
 *   A status of no known category (Jira's `undefined`) states nothing.
 * - An assignee change makes the assignee the owner. An unassignment states nothing: the owner before
 *   the assignment is not known here, and clearing it would erase the source's owner.
 */
function fieldsOf(change: JiraIssueChange): ReplyFields {
  const fields: ReplyFields = {};
  if (change.changedFields.includes('status') && change.statusCategory !== null && change.statusCategory !== 'undefined') {
    fields.status = change.statusCategory === 'done' ? 'resolved' : 'open';
  }
  if (change.changedFields.includes('assignee') && change.assignee !== null) fields.owner = change.assignee;
  return fields;
}

/**
 * One change in Jira: the connector (two sites can share issue and changelog ids), the issue, and
 * the changelog's id, which Jira gives each change; else the webhook's time; else the body's hash.
 */
function deliveryKeyOf(connectorId: string, change: JiraIssueChange, body: string): string {
  const id = change.changelogId ?? (change.at ? `at-${change.at.getTime()}` : createHash('sha256').update(body).digest('hex'));
  return `jira:${connectorId}:${change.issueId}:${id}`;
}

const ignored = (reason: string, event: string): IgnoredDelivery => ({ reason, action: event, type: null, version: null });
