import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TargetFake, TargetFault } from './target-fake';
import type { TeamsConfig } from '../../../libs/connectors/src/teams/teams.target';
import { type OnReceive, reportWhenAnswered } from './received-request';

/**
 * A local Power Automate Workflows trigger ("When a Teams webhook request is received") posting to
 * one channel, as `../shared/contracts/teams.md` has it:
 *
 * - `POST /powerautomate/automations/direct/workflows/<id>/triggers/manual/paths/invoke?api-version=1&…&sig=<secret>`;
 *   another path 404, a missing or wrong `sig` 401 (Logic Apps' `DirectApi…` codes);
 * - 202 with an empty body, each attachment posted as one card;
 * - 400 for a body without `attachments` or with a card whose `type` is not `AdaptiveCard`. The
 *   real flow accepts those and fails inside its run, where the caller never sees it; answering
 *   400 lets tests see what would never have reached the channel;
 * - faults queued by the test (`failNext`), which take the place of the next calls whatever they ask.
 */
export interface TeamsFake extends TargetFake<TeamsConfig> {
  /** every card posted, in order, with its text flattened */
  cards: PostedCard[];
  /** the workflow id in the URL path (not a secret; `sig` is) */
  workflowId: string;
}

export interface PostedCard {
  /** the attachment's `content`, as sent */
  card: Record<string, unknown>;
  /** its TextBlocks, facts (`title: value`) and action titles, one per line */
  text: string;
  /** the card says Resolved */
  resolved: boolean;
}

export interface TeamsFakeOptions {
  /** told of every request answered, with its receipt time (for timing deliveries) */
  onReceive?: OnReceive;
}

export async function startTeamsFake(options: TeamsFakeOptions = {}): Promise<TeamsFake> {
  const workflowId = randomBytes(16).toString('hex');
  const sig = randomBytes(24).toString('base64url');
  const path = `/powerautomate/automations/direct/workflows/${workflowId}/triggers/manual/paths/invoke`;
  const cards: PostedCard[] = [];
  const faults: TargetFault[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    readBody(req).then((body) => {
      if (options.onReceive) reportWhenAnswered(req, res, body, options.onReceive);
      const fault = faults.shift();
      if (fault) return answerFault(fault, res, hanging);
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method !== 'POST' || url.pathname !== path) {
        return error(res, 404, 'WorkflowNotFound', 'The workflow or its manual trigger could not be found.');
      }
      if (!url.searchParams.has('sig')) return error(res, 401, 'DirectApiAuthorizationRequired', 'The request must be authenticated.');
      if (url.searchParams.get('sig') !== sig) {
        return error(res, 401, 'DirectApiInvalidAuthorizationSignature', 'The provided authentication token is not valid.');
      }
      const refused = refusal(body);
      if (refused) return error(res, 400, 'InvalidRequestContent', refused);
      for (const attachment of (JSON.parse(body) as { attachments: { content: Record<string, unknown> }[] }).attachments) {
        const text = flattenCard(attachment.content);
        cards.push({ card: attachment.content, text, resolved: /\bResolved\b/.test(text) });
      }
      res.writeHead(202).end();
    }).catch(() => error(res, 500, 'InternalServerError', 'The fake failed.'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const webhookUrl = `http://127.0.0.1:${port}${path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;

  return {
    config: { webhookUrl },
    secrets: [sig, webhookUrl],
    cards,
    workflowId,
    items: () => cards.map((c) => ({ texts: [c.text], resolved: c.resolved })),
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Why the flow would fail on this body ([3P] wording from the contract), or null when it would post it. */
function refusal(body: string): string | null {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return 'The request body is not valid JSON.';
  }
  const attachments = (message as { attachments?: unknown } | null)?.attachments;
  if (!Array.isArray(attachments)) {
    return "The 'foreach' over triggerOutputs()?['body']?['attachments'] failed: 'attachments' is of type 'Null'. The result must be a valid array.";
  }
  for (const a of attachments as { content?: { type?: unknown } }[]) {
    if (a?.content?.type !== 'AdaptiveCard') return "Property 'type' must be 'AdaptiveCard'.";
  }
  return null;
}

/** The card's words as a reader sees them: text blocks, facts as `title: value`, containers and columns in order, then action titles. */
function flattenCard(card: Record<string, unknown>): string {
  const lines: string[] = [];
  const walk = (elements: unknown) => {
    if (!Array.isArray(elements)) return;
    for (const e of elements as Record<string, unknown>[]) {
      if (e?.type === 'TextBlock' && typeof e.text === 'string') lines.push(e.text);
      if (e?.type === 'FactSet' && Array.isArray(e.facts)) {
        for (const f of e.facts as { title?: unknown; value?: unknown }[]) lines.push(`${String(f.title)}: ${String(f.value)}`);
      }
      if (e?.type === 'Container') walk(e.items);
      if (e?.type === 'ColumnSet' && Array.isArray(e.columns)) for (const c of e.columns as { items?: unknown }[]) walk(c.items);
    }
  };
  walk(card.body);
  if (Array.isArray(card.actions)) for (const a of card.actions as { title?: unknown }[]) if (typeof a.title === 'string') lines.push(a.title);
  return lines.join('\n');
}

function answerFault(fault: TargetFault, res: ServerResponse, hanging: Set<ServerResponse>): void {
  switch (fault.kind) {
    case 'server_error':
      return error(res, 500, 'InternalServerError', 'The server encountered an internal error.');
    case 'rate_limited':
      if (fault.retryAfterSeconds !== null) res.setHeader('retry-after', String(fault.retryAfterSeconds));
      return error(res, 429, 'WorkflowTriggerIsThrottled', 'Rate limit is exceeded. Try again later.');
    case 'permanent':
      return error(res, 400, 'InvalidRequestContent', "Property 'type' must be 'AdaptiveCard'.");
    case 'hang':
      hanging.add(res);
      return;
  }
}

/** Logic Apps' error body: `{"error":{"code","message"}}`. */
function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: { code, message } }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
