import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TargetFake, TargetFault } from './target-fake';
import type { SlackConfig } from '../../../libs/connectors/src/slack/slack.target';

/**
 * A local Slack, as `../shared/contracts/slack.md` has it: one workspace, a bot token, known channels,
 * and one incoming webhook.
 *
 * - Web API `POST /api/chat.postMessage` and `/api/chat.update`, bodies form-encoded (`blocks` as a
 *   JSON string, as @slack/web-api sends them) or JSON; the token in `Authorization: Bearer` (or a
 *   `token` form field). Errors are HTTP 200 `{ok:false, error}`: `not_authed`, `invalid_auth`,
 *   `channel_not_found`, `no_text`, `message_not_found`, `invalid_blocks` (with `errors[]`, for
 *   blocks over Block Kit's limits), `invalid_blocks_format`, `unknown_method`.
 * - The incoming webhook `POST /services/T000/B000/XXXX` (JSON): 200 `ok` in plain text; errors
 *   as plain-text codes (400 `invalid_payload`, `no_text`, `invalid_blocks`; 404 `no_service`).
 * - Slack's ~1 message a second per channel (postMessage and webhook posts; chat.update is another
 *   tier): 429 with `Retry-After` and `{"ok":false,"error":"ratelimited"}`; can be switched off.
 * - Faults queued by the test (`failNext`), which take the place of the next calls whatever they ask.
 * - A person's click on a message's button (`click`), sent to the app's Interactivity request URL as
 *   Slack sends it: the `block_actions` payload form-encoded, signed v0 with the app's signing secret.
 *
 * Its own readings where the contract is silent: chat.update takes a channel id only (not a
 * #name), and a `thread_ts` naming no message is refused with `thread_not_found`.
 */
export interface SlackFake extends TargetFake<SlackConfig> {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** the workspace's channels */
  channels: readonly { id: string; name: string }[];
  /** the messages in a channel (by id or name), or in all channels, in the order they were posted */
  messages(channel?: string): SlackFakeMessage[];
  /** how many 429s it answered, whether from its rate limit or a queued fault */
  rateLimitedCount(): number;
  /** Turns the per-channel rate limit on or off. */
  setRateLimit(on: boolean): void;
  /** The next Web API call answers HTTP 200 `{ok:false, error: code}` (e.g. `not_in_channel`, `missing_scope`). */
  slackErrorNext(code: string): void;
  /**
   * A person clicks the button `actionId` on a message (as it reads now), and Slack sends the app's
   * Interactivity request URL (`url`) the `block_actions` payload, form-encoded and signed with
   * `signingSecret` at `timestampSeconds` (now by default). Returns the answer.
   */
  click(url: string, signingSecret: string, message: { channel: string; ts: string }, actionId: string,
    options?: { timestampSeconds?: number }): Promise<{ status: number; body: string }>;
}

export interface SlackFakeMessage {
  channel: string;
  ts: string;
  /** as posted, then after each chat.update */
  versions: SlackFakeVersion[];
  /** replies in its thread, in order */
  replies: (SlackFakeVersion & { ts: string })[];
}

export interface SlackFakeVersion {
  text: string | null;
  blocks: unknown[];
  /** text and blocks as a reader sees them, entities decoded, one text object a line */
  plain: string;
}

export interface SlackFakeOptions {
  /** the config it hands out: a bot token and channel (default), or its incoming webhook */
  mode?: 'bot' | 'webhook';
  /** the channel the bot config names, by id or `#name` (default `#incidents`) */
  channel?: string;
  /** Slack's per-channel rate limit; on unless switched off */
  rateLimit?: boolean;
  /** the clock the rate limit and message timestamps read, in ms (tests can hold it still) */
  now?: () => number;
}

export const SLACK_FAKE_CHANNELS = [
  { id: 'C0INCIDENTS', name: 'incidents' },
  { id: 'C0ALERTS', name: 'alerts' },
] as const;

const WEBHOOK_PATH = '/services/T000/B000/XXXX';
/** The channel the incoming webhook posts to. */
const WEBHOOK_CHANNEL = SLACK_FAKE_CHANNELS[0].id;
const MESSAGE_INTERVAL_MS = 1000;

type Answer = { status: number; json?: unknown; text?: string; headers?: Record<string, string> } | 'hang';

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const now = options.now ?? Date.now;
  const token = `xoxb-000000000000-0000000000000-${randomBytes(12).toString('hex')}`;
  const messages: (SlackFakeMessage & { log: string[] })[] = [];
  const faults: TargetFault[] = [];
  const slackErrors: string[] = [];
  const hanging = new Set<ServerResponse>();
  const lastPost = new Map<string, number>();
  let rateLimit = options.rateLimit ?? true;
  let rateLimited = 0;
  let lastMicros = 0;

  const channelOf = (given: unknown) => SLACK_FAKE_CHANNELS.find((c) => c.id === given || `#${c.name}` === given || c.name === given);

  /** Slack's ts: seconds and microseconds, unique in the workspace here. */
  const nextTs = () => {
    lastMicros = Math.max(lastMicros + 1, Math.floor(now() * 1000));
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  /** The per-channel limit: null when this post may go ahead (and is counted), else the 429's Retry-After seconds. */
  const overLimit = (channel: string): number | null => {
    const at = now();
    const last = lastPost.get(channel);
    if (rateLimit && last !== undefined && at - last < MESSAGE_INTERVAL_MS) return Math.max(1, Math.ceil((last + MESSAGE_INTERVAL_MS - at) / 1000));
    lastPost.set(channel, at);
    return null;
  };

  const find = (channel: string, ts: unknown) => messages.find((m) => m.channel === channel && m.ts === ts);

  const post = (channel: string, text: string | null, blocks: unknown[], threadTs: unknown) => {
    const version = { text, blocks, plain: plainText(text, blocks) };
    const ts = nextTs();
    if (threadTs !== undefined) {
      const parent = find(channel, threadTs)!;
      parent.replies.push({ ...version, ts });
      parent.log.push(version.plain);
    } else {
      messages.push({ channel, ts, versions: [version], replies: [], log: [version.plain] });
    }
    return ts;
  };

  const webApi = (method: string, params: Record<string, unknown>, authorization: string | undefined): Answer => {
    const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ status: 200, json: { ok: false, error, ...extra } });
    if (method !== 'chat.postMessage' && method !== 'chat.update') return fail('unknown_method');
    const given = authorization?.match(/^Bearer (.+)$/)?.[1] ?? params.token;
    if (given === undefined) return fail('not_authed');
    if (given !== token) return fail('invalid_auth');
    const channel = method === 'chat.update' ? SLACK_FAKE_CHANNELS.find((c) => c.id === params.channel) : channelOf(params.channel);
    if (!channel) return fail('channel_not_found');
    const blocks = readBlocks(params.blocks);
    if (blocks === 'malformed') return fail('invalid_blocks_format');
    const text = typeof params.text === 'string' ? params.text : null;
    if (method === 'chat.update') {
      const message = find(channel.id, params.ts);
      if (!message) return fail('message_not_found');
      const problems = blocks ? blockProblems(blocks) : [];
      if (problems.length) return fail('invalid_blocks', { errors: problems });
      const before = message.versions[message.versions.length - 1]!;
      // an absent field keeps what the message had; `blocks: []` removes its blocks
      const after = { text: text ?? before.text, blocks: blocks ?? before.blocks };
      const version = { ...after, plain: plainText(after.text, after.blocks) };
      message.versions.push(version);
      message.log.push(version.plain);
      return { status: 200, json: { ok: true, channel: channel.id, ts: message.ts, text: version.text, message: { type: 'message', ...after } } };
    }
    if (text === null && !blocks?.length) return fail('no_text');
    const threadTs = params.thread_ts;
    if (threadTs !== undefined && !find(channel.id, threadTs)) return fail('thread_not_found');
    const retryAfter = overLimit(channel.id);
    if (retryAfter !== null) return tooMany(retryAfter, { ok: false, error: 'ratelimited' });
    const problems = blockProblems(blocks ?? []);
    if (problems.length) return fail('invalid_blocks', { errors: problems });
    const ts = post(channel.id, text, blocks ?? [], threadTs);
    return { status: 200, json: { ok: true, channel: channel.id, ts, message: { type: 'message', text, blocks, ts, thread_ts: threadTs } } };
  };

  const webhook = (body: string): Answer => {
    const plain = (status: number, text: string): Answer => ({ status, text });
    let payload: { text?: unknown; blocks?: unknown };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return plain(400, 'invalid_payload');
    }
    if (typeof payload !== 'object' || payload === null) return plain(400, 'invalid_payload');
    const blocks = readBlocks(payload.blocks);
    if (blocks === 'malformed') return plain(400, 'invalid_blocks');
    const text = typeof payload.text === 'string' ? payload.text : null;
    if (text === null && !blocks?.length) return plain(400, 'no_text');
    const retryAfter = overLimit(WEBHOOK_CHANNEL);
    // [?] the contract does not give a webhook 429's body
    if (retryAfter !== null) return tooMany(retryAfter, 'rate_limited');
    if (blockProblems(blocks ?? []).length) return plain(400, 'invalid_blocks');
    post(WEBHOOK_CHANNEL, text, blocks ?? [], undefined);
    return plain(200, 'ok');
  };

  const tooMany = (retryAfter: number | null, body: unknown): Answer => {
    rateLimited += 1;
    const headers = retryAfter === null ? undefined : { 'retry-after': String(retryAfter) };
    return typeof body === 'string' ? { status: 429, text: body, headers } : { status: 429, json: body, headers };
  };

  const faultAnswer = (fault: TargetFault, onWebhook: boolean): Answer => {
    switch (fault.kind) {
      case 'server_error':
        return onWebhook ? { status: 500, text: 'rollup_error' } : { status: 500, json: { ok: false, error: 'internal_error' } };
      case 'rate_limited':
        return tooMany(fault.retryAfterSeconds, onWebhook ? 'rate_limited' : { ok: false, error: 'ratelimited' });
      case 'permanent':
        return onWebhook ? { status: 404, text: 'channel_not_found' } : { status: 200, json: { ok: false, error: 'channel_not_found' } };
      case 'hang':
        return 'hang';
    }
  };

  const route = (req: IncomingMessage, body: string): Answer => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const onWebhook = path.startsWith('/services/');
    const fault = faults.shift();
    if (fault) return faultAnswer(fault, onWebhook);
    if (req.method !== 'POST') return { status: 405, text: 'method_not_allowed' };
    if (onWebhook) return path === WEBHOOK_PATH ? webhook(body) : { status: 404, text: 'no_service' };
    if (!path.startsWith('/api/')) return { status: 404, text: 'not_found' };
    const slackError = slackErrors.shift();
    if (slackError) return { status: 200, json: { ok: false, error: slackError } };
    const params = readParams(req.headers['content-type'], body);
    if (!params) return { status: 200, json: { ok: false, error: 'invalid_form_data' } };
    return webApi(path.slice('/api/'.length), params, req.headers.authorization);
  };

  const server = createServer((req, res) => {
    readBody(req).then((body) => {
      const answer = route(req, body);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      if (answer.json !== undefined) {
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers }).end(JSON.stringify(answer.json));
      } else {
        res.writeHead(answer.status, { 'content-type': 'text/html', ...answer.headers }).end(answer.text ?? '');
      }
    }).catch(() => res.writeHead(500).end('fake_failed'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const webhookUrl = `${url}${WEBHOOK_PATH}`;
  const config: SlackConfig = options.mode === 'webhook'
    ? { webhookUrl }
    : { botToken: token, channel: options.channel ?? '#incidents', apiUrl: `${url}/api/` };

  return {
    url,
    config,
    secrets: options.mode === 'webhook' ? [webhookUrl] : [token],
    channels: SLACK_FAKE_CHANNELS,
    messages(channel) {
      const id = channel === undefined ? undefined : channelOf(channel)?.id ?? channel;
      return messages.filter((m) => id === undefined || m.channel === id).map(({ log: _log, ...m }) => m);
    },
    items: () => messages.map((m) => ({ texts: [...m.log], resolved: /\bResolved\b/.test(m.versions[m.versions.length - 1]!.plain) })),
    rateLimitedCount: () => rateLimited,
    setRateLimit(on) {
      rateLimit = on;
    },
    slackErrorNext(code) {
      slackErrors.push(code);
    },
    async click(target, signingSecret, ref, actionId, clickOptions = {}) {
      const message = find(ref.channel, ref.ts);
      if (!message) throw new Error(`the fake has no message ${ref.ts} in ${ref.channel}`);
      const { blocks, text } = message.versions[message.versions.length - 1]!;
      const block = (blocks as { type?: string; block_id?: string; elements?: Record<string, unknown>[] }[])
        .find((b) => b.type === 'actions' && b.elements?.some((e) => e.action_id === actionId));
      const button = block?.elements?.find((e) => e.action_id === actionId);
      if (!block || !button) throw new Error(`the message has no button ${actionId} to click`);
      const channel = SLACK_FAKE_CHANNELS.find((c) => c.id === ref.channel)!;
      // the block_actions payload's fields (contract: type, user, team, channel, container, trigger_id, response_url, actions[])
      const payload = {
        type: 'block_actions', user: { id: 'U0ANA', username: 'ana', name: 'ana', team_id: 'T000' }, api_app_id: 'A000', token: 'verification-token',
        container: { type: 'message', message_ts: ref.ts, channel_id: ref.channel, is_ephemeral: false }, trigger_id: '1.2.3',
        team: { id: 'T000', domain: 'acme' }, channel: { id: channel.id, name: channel.name },
        message: { type: 'message', ts: ref.ts, text, blocks }, response_url: `${url}/actions/T000/1/x`,
        actions: [{ type: 'button', action_id: actionId, block_id: block.block_id ?? 'actions', text: button.text, value: button.value, action_ts: nextTs() }],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const timestamp = String(clickOptions.timestampSeconds ?? Math.floor(now() / 1000));
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
        },
        body,
      });
      return { status: response.status, body: await response.text() };
    },
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

/** A Web API body: JSON, or form fields (the SDK's way). Null when it cannot be read. */
function readParams(contentType: string | undefined, body: string): Record<string, unknown> | null {
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** `blocks` as given: undefined when absent, 'malformed' when not an array (or a form field that is not a JSON array). */
function readBlocks(value: unknown): unknown[] | undefined | 'malformed' {
  if (value === undefined) return undefined;
  let blocks = value;
  if (typeof value === 'string') {
    try {
      blocks = JSON.parse(value);
    } catch {
      return 'malformed';
    }
  }
  return Array.isArray(blocks) ? blocks : 'malformed';
}

/**
 * Block Kit's limits on the blocks a notice uses (header, section, divider, context, actions with
 * buttons), as Slack's `invalid_blocks` `errors[]` words them: a message over one is refused whole.
 */
function blockProblems(blocks: unknown[]): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string, pointer: string) => {
    if (!ok) problems.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
  };
  const textObject = (t: unknown, max: number, pointer: string, plainOnly = false) => {
    const o = t as { type?: unknown; text?: unknown } | null;
    check(typeof o === 'object' && o !== null && (o.type === 'plain_text' || (!plainOnly && o.type === 'mrkdwn')), 'must be a text object', pointer);
    check(typeof o?.text === 'string' && o.text.length >= 1 && o.text.length <= max, `must be 1 to ${max} characters`, `${pointer}/text`);
  };
  check(blocks.length <= 50, 'no more than 50 items allowed', '/blocks');
  blocks.forEach((b, i) => {
    const block = (b ?? {}) as Record<string, unknown>;
    const at = `/blocks/${i}`;
    check(block.block_id === undefined || (typeof block.block_id === 'string' && block.block_id.length <= 255), 'must be less than 256 characters', `${at}/block_id`);
    switch (block.type) {
      case 'header':
        return textObject(block.text, 150, `${at}/text`, true);
      case 'divider':
        return;
      case 'section': {
        check(block.text !== undefined || Array.isArray(block.fields), 'must provide either text or fields', at);
        if (block.text !== undefined) textObject(block.text, 3000, `${at}/text`);
        if (Array.isArray(block.fields)) {
          check(block.fields.length <= 10, 'no more than 10 items allowed', `${at}/fields`);
          block.fields.forEach((f, j) => textObject(f, 2000, `${at}/fields/${j}`));
        }
        return;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        check(elements.length >= 1 && elements.length <= 10, 'must have 1 to 10 elements', `${at}/elements`);
        elements.forEach((e, j) => textObject(e, 3000, `${at}/elements/${j}`));
        return;
      }
      case 'actions': {
        const elements = (Array.isArray(block.elements) ? block.elements : []) as Record<string, unknown>[];
        check(elements.length >= 1 && elements.length <= 25, 'must have 1 to 25 elements', `${at}/elements`);
        const ids = elements.map((e) => e.action_id);
        check(new Set(ids).size === ids.length, 'action_id must be unique in the block', `${at}/elements`);
        elements.forEach((e, j) => {
          const el = `${at}/elements/${j}`;
          check(e.type === 'button', 'only buttons are known to this fake', `${el}/type`);
          textObject(e.text, 75, `${el}/text`, true);
          check(typeof e.action_id === 'string' && e.action_id.length <= 255, 'must be less than 256 characters', `${el}/action_id`);
          check(e.value === undefined || (typeof e.value === 'string' && e.value.length <= 2000), 'must be less than 2001 characters', `${el}/value`);
          check(e.style === undefined || e.style === 'primary' || e.style === 'danger', 'must be primary or danger', `${el}/style`);
        });
        return;
      }
      default:
        check(false, `unsupported type ${JSON.stringify(block.type)}`, `${at}/type`);
    }
  });
  return problems;
}

/** The message's words: the top-level text, then every text object in its blocks in order, `&amp;` `&lt;` `&gt;` decoded. */
function plainText(text: string | null, blocks: unknown[]): string {
  const lines: string[] = text === null ? [] : [text];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if ((o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string') lines.push(o.text);
    else for (const value of Object.values(o)) walk(value);
  };
  walk(blocks);
  return lines.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
