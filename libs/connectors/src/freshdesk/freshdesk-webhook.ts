import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { incidentIdInTags } from '../incident-tag';
import type { BodyIssue } from '../source-connector';

/*
 * A Freshdesk automation rule's "Trigger webhook" request to Tributary. Freshdesk signs nothing
 * ([3P]): the admin gives the connector's signing secret as a custom header or as the password of
 * the webhook's Basic auth, and the body is the admin's own JSON template (README: "Replies from
 * Jira, Freshdesk and Slack"), so it is read liberally.
 */

/** The custom header the admin adds, holding the connector's signing secret. */
export const FRESHDESK_SECRET_HEADER = 'x-tributary-secret';

/**
 * Whether the request carries the connector's signing secret: in `X-Tributary-Secret`, or as the
 * password of `Authorization: Basic` (any user name). Every credential it presents must match (a
 * wrong one is not excused by a right one beside it), and at least one must be there. Compared as
 * SHA-256 digests with `timingSafeEqual`, so neither the secret's length nor a matching prefix shows
 * in the time taken. An empty secret verifies nothing.
 */
export function verifyFreshdeskSecret(headers: IncomingHttpHeaders, signingSecret: string): boolean {
  if (signingSecret === '') return false;
  const presented: (string | undefined)[] = [];
  const header = headers[FRESHDESK_SECRET_HEADER];
  if (header !== undefined) presented.push(typeof header === 'string' ? header : undefined);
  const authorization = headers.authorization;
  if (authorization !== undefined) presented.push(basicPassword(authorization));
  const expected = digest(signingSecret);
  return presented.length > 0 && presented.every((given) => given !== undefined && timingSafeEqual(digest(given), expected));
}

/** The password of `Basic base64(user:password)`; undefined for another scheme or a malformed value. */
function basicPassword(authorization: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Freshdesk's status codes ([3P]) and labels, as `{{ticket.status}}` renders them ([?]: labels). */
const OPEN_STATUSES = new Set(['2', '3', 'open', 'pending']);
const RESOLVED_STATUSES = new Set(['4', '5', 'resolved', 'closed']);

const text = z.string().nullish();
/**
 * The template's fields. Named as Freshdesk's legacy "simple" webhooks name them (`ticket_…`), so the
 * same names are read inside the legacy `{"freshdesk_webhook": {…}}` wrapper and without it. The id
 * is a number or digits (a placeholder renders either, quoted or not); the status a code or a label;
 * the tags a list or the comma-separated text `{{ticket.tags}}` renders. Other fields are allowed.
 */
const TicketFields = z.looseObject({
  ticket_id: z.union([z.number().int().positive(), z.string().trim().regex(/^[1-9]\d*$/, 'a ticket id: digits')]).transform(String),
  ticket_status: z.union([z.number().int(), z.string()]).nullish(),
  ticket_tags: z.union([z.array(z.string()), z.string()]).nullish(),
  ticket_agent_email: text,
});

/** The body as the API documents it: the template's fields, bare or in the legacy wrapper. */
export const FreshdeskWebhookBody = z.union([TicketFields, z.looseObject({ freshdesk_webhook: TicketFields })]);

/** What a Freshdesk webhook says about one ticket. */
export interface FreshdeskTicketEvent {
  ticketId: string;
  /** open (Open, Pending) or resolved (Resolved, Closed); null for a status not known here (an account's own) or none */
  status: 'open' | 'resolved' | null;
  /** the incident its `tributary-incident-<id>` tag names; null for a ticket not ours */
  incidentId: string | null;
  /** the ticket's agent (`{{ticket.agent.email}}`); null when unassigned (the placeholder renders empty) */
  agentEmail: string | null;
}

/** Reads a JSON-decoded webhook body. */
export function parseFreshdeskWebhook(body: unknown): { ok: true; value: FreshdeskTicketEvent } | { ok: false; issues: BodyIssue[] } {
  const wrapped = isRecord(body) && isRecord(body.freshdesk_webhook);
  const parsed = TicketFields.safeParse(wrapped ? (body as { freshdesk_webhook: unknown }).freshdesk_webhook : body);
  if (!parsed.success) {
    const prefix = wrapped ? ['freshdesk_webhook'] : [];
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join('.') || '(body)', message: i.message })) };
  }
  const { ticket_id: ticketId, ticket_status: status, ticket_tags: tags, ticket_agent_email: agent } = parsed.data;
  const word = status === null || status === undefined ? '' : String(status).trim().toLowerCase();
  const tagList = typeof tags === 'string' ? tags.split(',') : tags ?? [];
  return {
    ok: true,
    value: {
      ticketId,
      status: OPEN_STATUSES.has(word) ? 'open' : RESOLVED_STATUSES.has(word) ? 'resolved' : null,
      incidentId: incidentIdInTags(tagList.map((t) => t.trim())),
      agentEmail: agent?.trim() || null,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
