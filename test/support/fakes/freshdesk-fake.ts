import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TargetFake, TargetFault } from './target-fake';
import { FreshdeskConfig } from '../../../libs/connectors/src/freshdesk/freshdesk.target';
import { type OnReceive, reportWhenAnswered } from './received-request';

/**
 * A local Freshdesk account (API v2), as `../shared/contracts/freshdesk.md` has it:
 *
 * - HTTP Basic with the API key as the user (any password), else 401 `invalid_credentials`;
 * - `POST /api/v2/tickets` → 201 with `Location` and the ticket; `PUT /api/v2/tickets/{id}` → 200
 *   with the ticket; `POST /api/v2/tickets/{id}/notes` → 201 with the note; an unknown ticket 404;
 * - 400 `{"description":"Validation failed","errors":[{field,message,code}]}` for a missing
 *   requester, subject or description, a priority outside 1–4, a status outside 2–5, a source
 *   outside Freshdesk's codes, a note without a body, an unknown field, a value of the wrong type;
 * - `X-RateLimit-Total`, `X-RateLimit-Remaining` and `X-RateLimit-Used-CurrentRequest` on every answer;
 * - faults queued by the test (`failNext`), which take the place of the next calls whatever they ask
 *   (`permanent`: a 400 validation failure);
 * - an automation rule's "Trigger webhook" (`sendWebhook`): unsigned, the secret in a custom header
 *   or as Basic auth, the body the admin's JSON template rendered for the ticket.
 *
 * Bodies of 404, 429 and 5xx answers are [?] in the contract: the fake's are plausible, not quoted.
 */
export interface FreshdeskFake extends TargetFake<FreshdeskConfig> {
  /** the tickets raised, in order of id, with what was done to them since */
  tickets: FakeTicket[];
  /** every call, in order */
  requests: { method: string; path: string; authorization: string | undefined }[];
  /**
   * An agent changes the ticket (its status, its agent), and the account's automation rule sends
   * its webhook to `url`: the template FRESHDESK_WEBHOOK_TEMPLATE rendered for the ticket (`legacy`:
   * wrapped in `freshdesk_webhook`), with the secret as `auth` says. Returns the answer.
   */
  sendWebhook(url: string, auth: FreshdeskWebhookAuth, ticketId: number, change: { status?: number; agentEmail?: string | null },
    options?: { legacy?: boolean }): Promise<{ status: number; body: string }>;
}

/** How the admin configured the webhook's secret: a custom header, or Basic auth with it as the password. */
export type FreshdeskWebhookAuth = { header: string } | { basic: { user: string; password: string } };

/**
 * The webhook body README's "Replies from Jira, Freshdesk and Slack" tells the admin to configure.
 * Rendered here as the contract reads Freshdesk's placeholders ([?]): `{{ticket.status}}` as the
 * status's label, `{{ticket.tags}}` as comma-separated text, `{{ticket.agent.email}}` empty when
 * the ticket has no agent.
 */
export const FRESHDESK_WEBHOOK_TEMPLATE =
  '{"ticket_id": "{{ticket.id}}", "ticket_status": "{{ticket.status}}", "ticket_tags": "{{ticket.tags}}", "ticket_agent_email": "{{ticket.agent.email}}"}';
const STATUS_LABELS: Record<number, string> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };

export interface FakeTicket {
  id: number;
  subject: string;
  /** HTML, as sent */
  description: string;
  status: number;
  priority: number;
  source: number;
  tags: string[];
  type: string | null;
  groupId: number | null;
  /** the requester's address, when given as `email` */
  email: string | null;
  /** the agent's address, once an agent is assigned (sendWebhook) */
  agentEmail: string | null;
  notes: { id: number; body: string; private: boolean }[];
}

const RATE_LIMIT_TOTAL = 400;
const PRIORITIES = [1, 2, 3, 4];
const STATUSES = [2, 3, 4, 5];
const SOURCES = [1, 2, 3, 7, 9, 10];
const REQUESTER_FIELDS = ['requester_id', 'email', 'phone', 'facebook_id', 'twitter_id', 'unique_external_id'];
const TICKET_FIELDS = new Set([
  ...REQUESTER_FIELDS, 'name', 'subject', 'description', 'priority', 'status', 'source', 'tags', 'type', 'group_id', 'responder_id',
  'custom_fields', 'cc_emails', 'due_by', 'fr_due_by', 'product_id', 'company_id', 'email_config_id', 'parent_id',
]);
const NOTE_FIELDS = new Set(['body', 'private', 'incoming', 'notify_emails', 'user_id']);

type FieldError = { field: string; message: string; code: string };

export interface FreshdeskFakeOptions {
  /** told of every request answered, with its receipt time (for timing deliveries) */
  onReceive?: OnReceive;
}

export async function startFreshdeskFake(options: FreshdeskFakeOptions = {}): Promise<FreshdeskFake> {
  const apiKey = `fd_${randomBytes(15).toString('base64url')}`;
  const tickets: FakeTicket[] = [];
  const requests: FreshdeskFake['requests'] = [];
  const faults: TargetFault[] = [];
  const hanging = new Set<ServerResponse>();
  let noteIds = 0;

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    requests.push({ method, path, authorization: req.headers.authorization });
    res.setHeader('x-ratelimit-total', String(RATE_LIMIT_TOTAL));
    res.setHeader('x-ratelimit-remaining', String(Math.max(0, RATE_LIMIT_TOTAL - requests.length)));
    res.setHeader('x-ratelimit-used-currentrequest', '1');
    const fault = faults.shift();
    if (fault) return answerFault(fault, res, hanging);
    if (basicUser(req.headers.authorization) !== apiKey) {
      return json(res, 401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
    }
    let body: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PUT') {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return invalid(res, [{ field: '', message: 'Request body has invalid json format', code: 'invalid_json' }]);
      }
    }
    const route = /^\/api\/v2\/tickets(?:\/(\d+)(\/notes)?)?\/?$/.exec(path);
    if (route && route[1] === undefined && method === 'POST') return create(res, body);
    const ticket = route?.[1] !== undefined ? tickets.find((t) => t.id === Number(route[1])) : undefined;
    // [?] the body of a 404 for an unknown ticket: empty here
    if (route?.[1] !== undefined && !ticket) return void res.writeHead(404).end();
    if (ticket && !route![2] && method === 'PUT') return update(res, ticket, body);
    if (ticket && route![2] && method === 'POST') return note(res, ticket, body);
    return json(res, 404, { code: 'not_found', message: 'The requested resource could not be found.' });
  };

  const create = (res: ServerResponse, body: Record<string, unknown>) => {
    const errors = [...ticketFieldErrors(body)];
    if (!REQUESTER_FIELDS.some((f) => body[f] !== undefined)) {
      errors.push({ field: 'requester_id', message: `Please fill at least 1 of ${REQUESTER_FIELDS.join(', ')} fields`, code: 'missing_field' });
    } else if (body.phone !== undefined && REQUESTER_FIELDS.every((f) => f === 'phone' || body[f] === undefined) && typeof body.name !== 'string') {
      errors.push({ field: 'name', message: 'It should be a/an String', code: 'missing_field' });
    }
    for (const field of ['subject', 'description']) {
      if (typeof body[field] !== 'string' || !(body[field] as string).trim()) errors.push({ field, message: 'It should be a/an String', code: 'missing_field' });
    }
    if (errors.length > 0) return invalid(res, errors);
    const ticket: FakeTicket = {
      id: tickets.length + 1, subject: body.subject as string, description: body.description as string,
      status: (body.status as number | undefined) ?? 2, priority: (body.priority as number | undefined) ?? 1,
      source: (body.source as number | undefined) ?? 2, tags: (body.tags as string[] | undefined) ?? [],
      type: (body.type as string | undefined) ?? null, groupId: (body.group_id as number | undefined) ?? null,
      email: (body.email as string | undefined) ?? null, agentEmail: null, notes: [],
    };
    tickets.push(ticket);
    res.setHeader('location', `${baseUrl}/api/v2/tickets/${ticket.id}`);
    json(res, 201, ticketJson(ticket));
  };

  const update = (res: ServerResponse, ticket: FakeTicket, body: Record<string, unknown>) => {
    const errors = ticketFieldErrors(body);
    if (errors.length > 0) return invalid(res, errors);
    if (body.status !== undefined) ticket.status = body.status as number;
    if (body.priority !== undefined) ticket.priority = body.priority as number;
    if (body.tags !== undefined) ticket.tags = body.tags as string[];
    if (body.subject !== undefined) ticket.subject = body.subject as string;
    json(res, 200, ticketJson(ticket));
  };

  const note = (res: ServerResponse, ticket: FakeTicket, body: Record<string, unknown>) => {
    const errors: FieldError[] = Object.keys(body).filter((k) => !NOTE_FIELDS.has(k))
      .map((field) => ({ field, message: 'Unexpected/invalid field in request', code: 'invalid_field' }));
    if (typeof body.body !== 'string' || !body.body.trim()) errors.push({ field: 'body', message: 'It should be a/an String', code: 'missing_field' });
    if (body.private !== undefined && typeof body.private !== 'boolean') errors.push({ field: 'private', message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
    if (errors.length > 0) return invalid(res, errors);
    const created = { id: ++noteIds, body: body.body as string, private: (body.private as boolean | undefined) ?? true };
    ticket.notes.push(created);
    json(res, 201, { id: created.id, ticket_id: ticket.id, body: created.body, body_text: htmlText(created.body), private: created.private, incoming: false });
  };

  const server = createServer((req, res) => {
    readBody(req).then((raw) => {
      if (options.onReceive) reportWhenAnswered(req, res, raw, options.onReceive);
      handle(req, res, raw);
    }).catch(() => json(res, 500, { code: 'internal_error', message: 'The fake failed.' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    config: FreshdeskConfig.parse({ baseUrl, apiKey, requesterEmail: 'data-alerts@example.com' }),
    // the Basic credential carries the key too: neither may show in an answer
    secrets: [apiKey, Buffer.from(`${apiKey}:X`).toString('base64')],
    tickets,
    requests,
    items: () => tickets.map((t) => ({ texts: [htmlText(t.description), ...t.notes.map((n) => htmlText(n.body))], resolved: t.status === 4 || t.status === 5 })),
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    async sendWebhook(target, auth, ticketId, change, options = {}) {
      const ticket = tickets.find((t) => t.id === ticketId);
      if (!ticket) throw new Error(`the fake has no ticket ${ticketId}`);
      if (change.status !== undefined) ticket.status = change.status;
      if (change.agentEmail !== undefined) ticket.agentEmail = change.agentEmail;
      const values: Record<string, string> = {
        'ticket.id': String(ticket.id), 'ticket.status': STATUS_LABELS[ticket.status]!, 'ticket.tags': ticket.tags.join(', '),
        'ticket.agent.email': ticket.agentEmail ?? '',
      };
      // each value as JSON string content, as the template quotes every placeholder
      const rendered = FRESHDESK_WEBHOOK_TEMPLATE.replace(/\{\{([\w.]+)\}\}/g, (_, name: string) => JSON.stringify(values[name] ?? '').slice(1, -1));
      const body = options.legacy ? `{"freshdesk_webhook": ${rendered}}` : rendered;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Freshdesk' };
      if ('header' in auth) headers['x-tributary-secret'] = auth.header;
      else headers.authorization = `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}`;
      const response = await fetch(target, { method: 'POST', headers, body });
      return { status: response.status, body: await response.text() };
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The checks a create and an update share: types and code ranges of the fields given, and no unknown field. */
function ticketFieldErrors(body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = Object.keys(body).filter((k) => !TICKET_FIELDS.has(k))
    .map((field) => ({ field, message: 'Unexpected/invalid field in request', code: 'invalid_field' }));
  const oneOf = (field: string, values: number[]) => {
    if (body[field] !== undefined && !values.includes(body[field] as number)) {
      errors.push({ field, message: `It should be one of these values: '${values.join(',')}'`, code: 'invalid_value' });
    }
  };
  oneOf('priority', PRIORITIES);
  oneOf('status', STATUSES);
  oneOf('source', SOURCES);
  if (body.email !== undefined && (typeof body.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email))) {
    errors.push({ field: 'email', message: 'It should be in the \'valid email address\' format', code: 'invalid_value' });
  }
  if (body.tags !== undefined && !(Array.isArray(body.tags) && body.tags.every((t) => typeof t === 'string'))) {
    errors.push({ field: 'tags', message: 'It should be a/an Array', code: 'datatype_mismatch' });
  }
  for (const field of ['type', 'subject', 'description']) {
    if (body[field] !== undefined && typeof body[field] !== 'string') errors.push({ field, message: 'It should be a/an String', code: 'datatype_mismatch' });
  }
  if (body.group_id !== undefined && !(Number.isSafeInteger(body.group_id) && (body.group_id as number) > 0)) {
    errors.push({ field: 'group_id', message: 'It should be a/an Positive Integer', code: 'datatype_mismatch' });
  }
  return errors;
}

function ticketJson(t: FakeTicket): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    id: t.id, subject: t.subject, description: t.description, description_text: htmlText(t.description),
    status: t.status, priority: t.priority, source: t.source, tags: t.tags, type: t.type, group_id: t.groupId,
    requester_id: 1000 + t.id, responder_id: null, custom_fields: {}, due_by: now, fr_due_by: now, created_at: now, updated_at: now,
  };
}

function answerFault(fault: TargetFault, res: ServerResponse, hanging: Set<ServerResponse>): void {
  switch (fault.kind) {
    case 'server_error':
      return json(res, 500, { code: 'internal_error', message: 'We are facing some issues. Please try again later.' });
    case 'rate_limited':
      if (fault.retryAfterSeconds !== null) res.setHeader('retry-after', String(fault.retryAfterSeconds));
      return json(res, 429, { message: 'You have exceeded the limit of requests per minute' });
    case 'permanent':
      return invalid(res, [{ field: 'email', message: 'There is no contact matching the given email', code: 'invalid_value' }]);
    case 'hang':
      hanging.add(res);
      return;
  }
}

const invalid = (res: ServerResponse, errors: FieldError[]) => json(res, 400, { description: 'Validation failed', errors });

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The user of a `Basic` credential, or null. */
function basicUser(header: string | undefined): string | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : null;
}

/** HTML as text: block ends become line breaks, tags go, entities are decoded once (so `&amp;lt;` reads `&lt;`). */
export function htmlText(html: string): string {
  return html
    .replace(/<(?:br\s*\/?|\/(?:p|li|h[1-6]|div|tr|ul|ol))>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name[0] === '#') return String.fromCodePoint(name[1]?.toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
      return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
    })
    .split('\n').map((line) => line.replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n');
}
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
