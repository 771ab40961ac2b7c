import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { HookAuth } from '../hook-intake';

/*
 * Requests Slack sends to Tributary (a click on a message's button): their signature, and the
 * `block_actions` payload they carry. Slack's "Verifying requests from Slack", as Bolt implements it.
 */

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** Bolt's `requestTimestampMaxDeltaMin`; refused both ways, so that a clock ahead cannot mint requests for later. */
const MAX_AGE_SECONDS = 5 * 60;
/** `v0=` and a hex HMAC-SHA256: 32 bytes, 64 hex digits. */
const SIGNATURE = /^v0=([0-9a-fA-F]{64})$/;

/**
 * Checks `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">`, keyed with the
 * app's signing secret, and that `X-Slack-Request-Timestamp` (unix seconds) is within 5 minutes of
 * `nowMs`: a captured request cannot be replayed later. `stale` is a signature that matches over a
 * timestamp outside that window (only the secret's holder can tell the two apart, so saying which
 * tells a stranger nothing). The raw bytes are signed, so the body must be checked before anything
 * parses it. An empty secret verifies nothing.
 */
export function verifySlackSignature(rawBody: Buffer, headers: IncomingHttpHeaders, signingSecret: string, nowMs: number): HookAuth {
  const timestamp = first(headers[SLACK_TIMESTAMP_HEADER])?.trim();
  const signature = SIGNATURE.exec(first(headers[SLACK_SIGNATURE_HEADER])?.trim() ?? '');
  if (signingSecret === '' || !timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) return 'invalid';
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest();
  if (!timingSafeEqual(Buffer.from(signature[1]!, 'hex'), expected)) return 'invalid';
  return Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_AGE_SECONDS ? 'stale' : 'verified';
}

/** A click on one of a message's buttons, as Tributary needs it. */
export interface SlackBlockActions {
  userId: string;
  /** the user's handle, or their name where Slack gives no handle; null when it gives neither */
  userName: string | null;
  /** each with Slack's `action_ts`, the click's own time and id (null when Slack gives none) */
  actions: { actionId: string; value: string | null; actionTs: string | null }[];
  /** the channel of the message clicked on; null when Slack gives none (a click in a modal) */
  channel: string | null;
  messageTs: string | null;
}

/**
 * The part of Slack's `block_actions` payload read here. Slack adds fields freely (team,
 * trigger_id, response_url, state, …): all are allowed, and only `type`, `user.id` and each action's
 * `action_id` are required; the rest is read where present.
 */
const BlockActionsPayload = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  actions: z.array(z.looseObject({ action_id: z.string().min(1), value: z.string().optional(), action_ts: z.string().optional() })).min(1),
  channel: z.looseObject({ id: z.string() }).nullish(),
  message: z.looseObject({ ts: z.string() }).nullish(),
  container: z.looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional() }).nullish(),
});

/**
 * Reads an interactivity body (`application/x-www-form-urlencoded`, one `payload` field holding
 * JSON) that is a `block_actions` payload. Other payload types (view_submission, shortcuts) and
 * malformed bodies are refused with the reason; `malformed` when the body is not an interactivity
 * body at all (no payload field, or one that is not JSON), rather than one of the wrong shape.
 */
export function parseSlackBlockActions(rawBody: Buffer | string):
  { ok: true; value: SlackBlockActions } | { ok: false; malformed: boolean; reason: string } {
  const payload = new URLSearchParams(rawBody.toString()).get('payload');
  if (payload === null) return { ok: false, malformed: true, reason: 'the body has no payload field' };
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, malformed: true, reason: 'the payload is not JSON' };
  }
  const parsed = BlockActionsPayload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, malformed: false, reason: `the payload is not a block_actions payload (${issue.path.join('.') || 'payload'}: ${issue.message})` };
  }
  const { user, actions, channel, message, container } = parsed.data;
  return {
    ok: true,
    value: {
      userId: user.id,
      userName: user.username ?? user.name ?? null,
      actions: actions.map((a) => ({ actionId: a.action_id, value: a.value ?? null, actionTs: a.action_ts ?? null })),
      channel: channel?.id ?? container?.channel_id ?? null,
      messageTs: message?.ts ?? container?.message_ts ?? null,
    },
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
