import { z } from 'zod';
import { OutboundError, OutboundHttp, OutboundResponse, OutboundTarget, parseRetryAfter } from '@tributary/outbound';
import { statusError, TargetAnswer, TargetConnector, TargetError } from '../target-connector';
import { freshdeskReplies } from './freshdesk-replies';
import {
  DEFAULT_PRIORITY_BY_SEVERITY, digestTicket, incidentNote, incidentTicket, ownerLossTicket, testTicket, TICKET_STATUS, TicketBody,
} from './freshdesk-ticket';

/** Freshdesk's own hosts: `<account>.freshdesk.com`. */
export const FRESHDESK_TARGET: OutboundTarget = { name: 'freshdesk', hosts: ['*.freshdesk.com'] };

/** A Freshdesk account's subdomain: `acme` of `acme.freshdesk.com` (a DNS label). */
const ACCOUNT = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const Priority = z.number().int().min(1, 'a Freshdesk priority is 1 (Low) to 4 (Urgent)').max(4, 'a Freshdesk priority is 1 (Low) to 4 (Urgent)');

export const FreshdeskConfig = z.strictObject({
  /** the account: `acme` or `acme.freshdesk.com`; or give `baseUrl` instead */
  domain: z.string().max(253).transform((d) => d.toLowerCase().replace(/\.freshdesk\.com$/, ''))
    .refine((d) => ACCOUNT.test(d), 'the Freshdesk account, e.g. acme (for acme.freshdesk.com)').optional(),
  /**
   * the account's address, `https://<account>.freshdesk.com` (the API is under `/api/v2`); which
   * hosts may be called is the outbound policy's (FRESHDESK_TARGET and the platform allow-list)
   */
  baseUrl: z.string().url().max(2048).refine(isOrigin, 'only the account\'s address, e.g. https://acme.freshdesk.com (no path or query)').optional(),
  /** an agent's API key (Profile settings › API key): tickets are raised with that agent's permissions */
  apiKey: z.string().min(1).max(256),
  /** the ticket's requester: Freshdesk makes a contact of an address it does not know */
  requesterEmail: z.string().email(),
  /** severity (as the source gives it, any case) → priority 1 Low … 4 Urgent; a severity not named, or none, is Low */
  priorityBySeverity: z.record(z.string().min(1).max(64), Priority).default({ ...DEFAULT_PRIORITY_BY_SEVERITY }),
  /** tags on every ticket this connector raises (an incident's ticket also gets `tributary-incident-<id>`) */
  tags: z.array(z.string().min(1).max(255)).max(50).default(['tributary']),
  /** the ticket type, one the account defines (e.g. `Incident`) */
  type: z.string().min(1).max(255).optional(),
  /** the group tickets are assigned to */
  groupId: z.number().int().positive().optional(),
}).superRefine((c, ctx) => {
  if ((c.domain === undefined) === (c.baseUrl === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['domain'], message: 'give the account as domain (e.g. acme) or as baseUrl (e.g. https://acme.freshdesk.com), one of the two' });
  }
}).transform(({ domain, baseUrl, ...rest }) => ({
  // one spelling past the edge: `domain` is a shorthand for this URL
  baseUrl: baseUrl !== undefined ? new URL(baseUrl).origin : `https://${domain}.freshdesk.com`,
  ...rest,
}));
export type FreshdeskConfig = z.output<typeof FreshdeskConfig>;

/**
 * Freshdesk limits calls per account, across all its agents and apps, per minute by plan, with a
 * lower sub-limit for creating tickets ([3P]; per hour on some current plans, [?]). One delivery a
 * second (two calls at most: an update's status and note) leaves most of even a small plan's budget
 * to the account's people and other apps; a 429's Retry-After covers the rest.
 */
const MIN_INTERVAL_MS = 1000;
/** How much of an error body's text goes into the delivery's attempts. */
const EXCERPT_CHARS = 300;

/**
 * Freshdesk (API v2): one ticket per incident, a private note per change, Resolved when it is; and
 * back, an automation rule's webhook: the ticket's status resolves or reopens the incident, its agent owns it.
 */
export const freshdeskTarget: TargetConnector<FreshdeskConfig> = {
  kind: 'target',
  type: 'freshdesk',
  description: 'Freshdesk tickets (API v2, HTTP Basic with an agent\'s API key): a ticket per incident, a private note per change, status Resolved when resolved',
  configSchema: FreshdeskConfig,
  secretPaths: ['apiKey'],
  outboundUrls: [{ path: 'baseUrl', target: FRESHDESK_TARGET, secretPaths: ['apiKey'] }],

  rateLimit(config) {
    return { key: `freshdesk:${new URL(config.baseUrl).host}`, minIntervalMs: MIN_INTERVAL_MS };
  },

  open: (config, http, notice) => createTicket(config, http, incidentTicket(notice, config)),

  async update(config, http, ref, notice) {
    // No ref: the first notice made no ticket (the port's "a new message where ref is null").
    if (ref === null) return createTicket(config, http, incidentTicket(notice, config));
    const ticketId = ref.ticketId;
    if (ticketId === undefined || !/^[1-9]\d*$/.test(ticketId)) {
      throw new TargetError('never', 'the delivery\'s ref names no Freshdesk ticket (expected {ticketId})');
    }
    const status = statusFor(notice.change);
    // The status first: setting it again on a retry is harmless, where a note posted again is a duplicate.
    if (status !== null) await call(config, http, 'PUT', `/api/v2/tickets/${ticketId}`, { status }, ticketId);
    const noted = await call(config, http, 'POST', `/api/v2/tickets/${ticketId}/notes`, incidentNote(notice), ticketId);
    return { answer: `${noted.status} note on ticket ${ticketId}${status !== null ? `, status ${status}` : ''}`, ref: { ticketId } };
  },

  digest: (config, http, digest) => createTicket(config, http, digestTicket(digest, config)),
  announce: (config, http, notice) => createTicket(config, http, ownerLossTicket(notice, config)),
  test: (config, http) => createTicket(config, http, testTicket(config)),
  replies: freshdeskReplies,
};

/**
 * The status a change sets: Resolved (4) on resolution, Open (2) on reopening. Other changes leave
 * the status to the agents (one may have set Pending or Closed on purpose).
 */
function statusFor(change: 'opened' | 'updated' | 'resolved' | 'reopened'): number | null {
  if (change === 'resolved') return TICKET_STATUS.resolved;
  if (change === 'reopened') return TICKET_STATUS.open;
  return null;
}

async function createTicket(config: FreshdeskConfig, http: OutboundHttp, body: TicketBody): Promise<TargetAnswer> {
  const response = await call(config, http, 'POST', '/api/v2/tickets', body, null);
  const ticketId = createdTicketId(response);
  // The ticket exists: a retry would raise a second one, so an unreadable id is never retried.
  if (ticketId === null) throw new TargetError('never', `Freshdesk answered HTTP ${response.status} without a ticket id`);
  return { answer: `${response.status} ticket ${ticketId}`, ref: { ticketId } };
}

/** The new ticket's `id` (a number; a string read too), else the id at the end of its `Location`. */
function createdTicketId(response: OutboundResponse): string | null {
  const id = (parseJson(response.body) as { id?: unknown } | undefined)?.id;
  if ((typeof id === 'number' && Number.isSafeInteger(id) && id > 0) || (typeof id === 'string' && /^[1-9]\d*$/.test(id))) return String(id);
  return /\/tickets\/([1-9]\d*)\/?$/.exec(response.headers.location ?? '')?.[1] ?? null;
}

/**
 * One call to the account's API, with the agent's API key as the Basic user and `X` as the
 * password ([3P]: any password is accepted, `X` by convention). Returns a 2xx answer, else throws
 * the TargetError its status calls for.
 */
async function call(config: FreshdeskConfig, http: OutboundHttp, method: 'POST' | 'PUT', path: string, body: unknown,
  ticketId: string | null): Promise<OutboundResponse> {
  let response: OutboundResponse;
  try {
    response = await http.request({
      url: `${config.baseUrl}${path}`, target: FRESHDESK_TARGET, method,
      headers: {
        authorization: `Basic ${Buffer.from(`${config.apiKey}:X`).toString('base64')}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.retryable) throw new TargetError('later', `Freshdesk did not answer: ${error.message}`, null, { cause: error });
    throw new TargetError('never', `the call to Freshdesk was refused: ${error.message}`, null, { cause: error });
  }
  const { status } = response;
  if (status >= 200 && status < 300) return response;
  // 400 validation, 401 invalid_credentials, 403 access denied, 404 a ticket deleted or merged:
  // the same request cannot succeed until the connector (or the ticket) is fixed.
  throw statusError(status, `Freshdesk answered HTTP ${status}: ${errorText(response, ticketId, config.apiKey)}`,
    parseRetryAfter(response.headers['retry-after']));
}

/**
 * Freshdesk's own words for a failure, read liberally ([3P]/[?] in the contract): a validation
 * failure's `field code` list, or `code: message`, or the start of the text; a default per status
 * when it gave none. Any echo of the API key is blanked.
 */
function errorText(response: OutboundResponse, ticketId: string | null, apiKey: string): string {
  const json = parseJson(response.body) as { description?: unknown; errors?: unknown; code?: unknown; message?: unknown } | undefined;
  let text: string;
  if (json && Array.isArray(json.errors) && json.errors.length > 0) {
    const fields = json.errors.map((e: { field?: unknown; code?: unknown; message?: unknown }) => {
      const name = [e?.field, e?.code].filter((p) => typeof p === 'string' && p).join(' ');
      return typeof e?.message === 'string' && e.message ? `${name || 'error'} (${e.message})` : name || 'error';
    });
    text = `${typeof json.description === 'string' ? json.description : 'Validation failed'}: ${fields.join('; ')}`;
  } else if (json && (typeof json.code === 'string' || typeof json.message === 'string' || typeof json.description === 'string')) {
    text = [json.code, json.message ?? json.description].filter((p) => typeof p === 'string' && p).join(': ');
  } else {
    text = response.body.toString('utf8');
  }
  text = text.split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim();
  if (response.status === 404 && ticketId !== null) {
    text = `ticket ${ticketId} not found (deleted, merged, or not visible to the API key's agent)${text && `: ${text}`}`;
  }
  text ||= DEFAULT_TEXT[response.status] ?? 'no error body';
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

const DEFAULT_TEXT: Record<number, string> = {
  401: 'invalid_credentials (check the API key)',
  403: 'access denied (the API key\'s agent may not do this)',
  404: 'not found (check the account\'s domain)',
};

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** `https://acme.freshdesk.com` or with a trailing `/`: nothing after the host. */
function isOrigin(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.pathname === '/' && !url.search && !url.hash;
  } catch {
    return false;
  }
}
