import type { ReplyFields } from '@tributary/contracts';
import { IgnoredDelivery, NormalizeError } from '../source-connector';
import type { ReplyIntake } from '../target-connector';
import type { FreshdeskConfig } from './freshdesk.target';
import { FreshdeskTicketEvent, parseFreshdeskWebhook, verifyFreshdeskSecret } from './freshdesk-webhook';

/**
 * A Freshdesk automation rule's webhook about a ticket the Freshdesk target opened (it carries the
 * incident's `tributary-incident-<id>` tag): the ticket's status and agent as they are now.
 */
export const freshdeskReplies: ReplyIntake<FreshdeskConfig> = {
  verify: (_rawBody, headers, signingSecret) => (verifyFreshdeskSecret(headers, signingSecret) ? 'verified' : 'invalid'),

  validate(rawBody) {
    const body = parseJson(rawBody.toString('utf8'));
    if (body === undefined) {
      return { ok: false, malformed: { code: 'invalid_json', message: 'the body is not valid JSON: set the Freshdesk webhook\'s encoding to JSON' } };
    }
    const parsed = parseFreshdeskWebhook(body);
    // one ticket's events stay in the order Freshdesk sent them
    return parsed.ok ? { ok: true, orderingKey: `ticket/${parsed.value.ticketId}` } : { ok: false, issues: parsed.issues };
  },

  normalize(delivery) {
    const body = parseJson(delivery.body);
    if (body === undefined) throw new NormalizeError('the Freshdesk webhook is not JSON');
    const parsed = parseFreshdeskWebhook(body);
    if (!parsed.ok) throw new NormalizeError(`the Freshdesk webhook is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    const ticket = parsed.value;
    if (ticket.incidentId === null) return { ignored: ignored('not_ours') };
    const fields = fieldsOf(ticket);
    if (Object.keys(fields).length === 0) return { ignored: ignored('no_change') };
    // Freshdesk's body carries no time or event id, and it states the ticket's state rather than a
    // change, so its hash would take Resolved → Open → Resolved within the dedup window for a
    // redelivery and lose the second resolve. Each logged request is one observation instead; a
    // sender's retry of one only states the same state again.
    return { replies: [{ incidentId: ticket.incidentId, fields, deliveryKey: `freshdesk:${delivery.connectorId}:${ticket.ticketId}:${delivery.id}` }] };
  },
};

/**
 * The ticket's state as incident fields: Resolved or Closed resolves; Open or Pending states open,
 * which reopens a resolved incident and changes nothing on an open one; an account's own status
 * states nothing (whether it means open is the account's to say). The agent owns the incident; an
 * unassigned ticket states no owner (clearing it would erase the source's).
 */
function fieldsOf(ticket: FreshdeskTicketEvent): ReplyFields {
  return {
    ...(ticket.status !== null ? { status: ticket.status } : {}),
    ...(ticket.agentEmail !== null ? { owner: ticket.agentEmail } : {}),
  };
}

/** The body names no action, type or version of its own: it is the admin's template. */
const ignored = (reason: string): IgnoredDelivery => ({ reason, action: null, type: null, version: null });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
