import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OutboundHttp } from '@tributary/outbound';
import { DeliveryRef, TargetAnswer, TargetConnector, TargetError } from '../target-connector';
import { changeReply, digestMessage, incidentMessage, ownerLossMessage, SlackMessage, testMessage } from './slack-message';
import { slackReplies } from './slack-replies';
import { postToWebhook, SLACK_API_URL, SLACK_TARGET, SlackBotClient, SlackMessageRef } from './slack-transport';

export { SLACK_API_URL, SLACK_TARGET } from './slack-transport';

/** A public (C…) or private (G…) conversation id, or a channel's #name (Slack answers with its id). */
const CHANNEL = /^(?:[CG][A-Z0-9]{2,30}|#[^\s#,]{1,80})$/u;

/** Posting as a Slack app: messages are edited in place as the incident changes, with a reply in their thread. */
export const SlackBotConfig = z.strictObject({
  /** the app's bot token, with the `chat:write` scope; the app must be in the channel */
  botToken: z.string({ error: required('botToken', 'the app\'s bot token (xoxb-…)') }).max(512).regex(/^xoxb-[A-Za-z0-9-]+$/,
    'botToken must be a Slack bot token (xoxb-…): user (xoxp-) and app-level (xapp-) tokens cannot post as the app'),
  channel: z.string({ error: required('channel', 'the channel to post in: its id (C…) or #name') }).regex(CHANNEL, 'channel must be a channel id (C…, or G… for a private channel) or #channel-name'),
  /**
   * The Web API's base URL: https on Slack's hosts (or the platform's TRIBUTARY_OUTBOUND_ALLOWED_HOSTS);
   * a new one needs `botToken` entered again, so that a stored token is never sent somewhere new.
   */
  apiUrl: z.string().url().max(2048).default(SLACK_API_URL),
});

/** Posting through an incoming webhook: every notice is a new message, as a webhook cannot edit one. */
export const SlackWebhookConfig = z.strictObject({
  /** `https://hooks.slack.com/services/T…/B…/…`: the URL is the credential */
  webhookUrl: z.string().url().max(2048).refine(isIncomingWebhook,
    'webhookUrl must be an incoming webhook URL (https://hooks.slack.com/services/…); workflow webhooks take another payload'),
});

/**
 * Either mode, never both. Zod reports a failed union as one "Invalid input"; the message below
 * names the mode the config looks like and what is wrong with it.
 */
export const SlackConfig = z.union([SlackBotConfig, SlackWebhookConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? explainMode(issue.input, issue.errors) : undefined),
});
export type SlackConfig = z.infer<typeof SlackConfig>;
type SlackBotConfig = z.infer<typeof SlackBotConfig>;

/**
 * Slack allows about one message a second in a channel (chat.postMessage's special tier; the
 * same for incoming webhooks). The key holds a fingerprint of the token or webhook, not the secret
 * itself (keys may be logged): the same channel name in two workspaces is two limits.
 */
const MIN_INTERVAL_MS = 1000;

/**
 * Slack: incident messages with Acknowledge and Resolve buttons, edited as the incident changes;
 * and back, the clicks on those buttons (the app's interactivity requests).
 */
export const slackTarget: TargetConnector<SlackConfig> = {
  kind: 'target',
  type: 'slack',
  description: 'Slack messages with Acknowledge/Resolve buttons: as an app (a bot token with chat:write, the app invited to the channel; '
    + 'later changes edit the message and reply in its thread) or through an incoming webhook (every change a new message)',
  configSchema: SlackConfig,
  secretPaths: ['botToken', 'webhookUrl'],
  outboundUrls: [
    { path: 'apiUrl', target: SLACK_TARGET, secretPaths: ['botToken'] },
    // the webhook URL is its own credential: nothing else is sent there
    { path: 'webhookUrl', target: SLACK_TARGET, secretPaths: [] },
  ],

  rateLimit(config) {
    const key = 'webhookUrl' in config
      ? `slack:webhook:${fingerprint(config.webhookUrl)}`
      : `slack:${fingerprint(config.botToken)}:${config.channel}`;
    return { key, minIntervalMs: MIN_INTERVAL_MS };
  },

  open(config, http, notice) {
    return send(config, http, incidentMessage(notice));
  },

  async update(config, http, ref, notice) {
    if ('webhookUrl' in config || ref === null) return send(config, http, incidentMessage(notice));
    const message = messageRef(ref);
    const client = bot(config, http);
    // The edit first: it is the state people see. If the reply then fails, the retry edits again
    // (to the same content) and replies once.
    await client.update(message, incidentMessage(notice));
    await client.post(message.channel, changeReply(notice), message.ts);
    return { answer: `ok ${message.channel} ${message.ts}`, ref: { ...message } };
  },

  digest(config, http, digest) {
    return send(config, http, digestMessage(digest));
  },

  announce(config, http, notice) {
    return send(config, http, ownerLossMessage(notice));
  },

  test(config, http) {
    return send(config, http, testMessage());
  },

  replies: slackReplies,
};

/** A new message: in bot mode its ref is the channel's id (as Slack answers it, also for a #name) and ts. */
async function send(config: SlackConfig, http: OutboundHttp, message: SlackMessage): Promise<TargetAnswer> {
  if ('webhookUrl' in config) return { answer: await postToWebhook(http, config.webhookUrl, message), ref: null };
  const made = await bot(config, http).post(config.channel, message);
  return made ? { answer: `ok ${made.channel} ${made.ts}`, ref: { ...made } } : { answer: 'ok', ref: null };
}

const bot = (config: SlackBotConfig, http: OutboundHttp) => new SlackBotClient(http, config.apiUrl, config.botToken);

function messageRef(ref: NonNullable<DeliveryRef>): SlackMessageRef {
  const { channel, ts } = ref;
  if (typeof channel !== 'string' || !channel || typeof ts !== 'string' || !ts) {
    throw new TargetError('never', 'the delivery ref names no Slack message (channel and ts)');
  }
  return { channel, ts };
}

function isIncomingWebhook(url: string): boolean {
  try {
    return new URL(url).pathname.startsWith('/services/');
  } catch {
    return false;
  }
}

const fingerprint = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 16);

/** A field's message when it is missing (zod's own says "expected string, received undefined"). */
function required(name: string, what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `give ${name}: ${what}` : `${name} must be a string`);
}

const BOT_KEYS = ['botToken', 'channel', 'apiUrl'];

/** The message for a config neither mode accepts: which mode it looks like, and that mode's own issues. */
function explainMode(input: unknown, errors: readonly (readonly { path: readonly PropertyKey[]; message: string }[])[]): string {
  const either = 'give either botToken and channel (to post as a Slack app) or webhookUrl (an incoming webhook)';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return `the Slack config must be an object: ${either}`;
  const bot = BOT_KEYS.some((k) => k in input);
  const webhook = 'webhookUrl' in input;
  if (bot && webhook) return `${either}, not both`;
  if (!bot && !webhook) return either;
  const issues = errors[bot ? 0 : 1] ?? [];
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}
