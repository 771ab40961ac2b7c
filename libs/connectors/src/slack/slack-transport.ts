import { ErrorCode, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import { OutboundError, OutboundHttp, OutboundResponse, OutboundTarget } from '@tributary/outbound';
import { statusError, TargetError } from '../target-connector';
import type { SlackMessage } from './slack-message';

/*
 * The two ways Tributary posts to Slack, as transports that throw TargetError: the Web API with a
 * bot token (@slack/web-api's WebClient), and an incoming webhook (a plain POST). Neither retries
 * nor waits: the delivery engine does, from the TargetError's `retry`.
 */

export const SLACK_API_URL = 'https://slack.com/api/';
/** The Web API (slack.com/api) and incoming webhooks (hooks.slack.com), as the contract names them. */
export const SLACK_TARGET: OutboundTarget = { name: 'slack', hosts: ['slack.com', 'hooks.slack.com'] };
/** One call's limit; the platform's outbound policy may set a shorter one. */
const TIMEOUT_MS = 10_000;

/**
 * `ok:false` codes that Slack's method reference lists among every method's errors as its own
 * transient trouble ("likely due to a transient issue on our end"). Not in our contract, so [?]:
 * read as retryable. `ratelimited` is normally a 429 (handled before), but is also listed as a code.
 */
const TRANSIENT_CODES = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** A message Slack made: where it is, to edit it or reply under it later. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/**
 * The Web API as a bot, through @slack/web-api. WebClient's own HTTP stack is replaced by an axios
 * adapter over the platform's OutboundHttp, so that every call obeys the outbound policy in full
 * (https and the target's hosts, no private address where the name resolves, no redirects, the
 * size cap, the total timeout), not only a check of the URL's text before WebClient connects.
 */
export class SlackBotClient {
  constructor(
    private readonly http: OutboundHttp,
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  /** chat.postMessage; a reply in the thread under `threadTs` when given. The ref is null if Slack named no message. */
  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<SlackMessageRef | null> {
    const result = await this.call((client) => client.chat.postMessage({
      channel, text: message.text, blocks: message.blocks, thread_ts: threadTs,
      // Slack would otherwise fetch the catalog's and the source's links to preview them
      unfurl_links: false, unfurl_media: false,
    }));
    return result.channel && result.ts ? { channel: result.channel, ts: result.ts } : null;
  }

  /** chat.update of a message this app posted: the whole message is replaced. */
  async update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    // An empty `blocks` removes the old ones; undefined would leave them (and their buttons) in place.
    await this.call((client) => client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks ?? [] }));
  }

  /** One Web API call on a client of its own: the adapter's record of the answer then belongs to this call alone. */
  private async call<R>(send: (client: WebClient) => Promise<R>): Promise<R> {
    let answered: OutboundResponse | undefined;
    const client = new WebClient(this.token, {
      slackApiUrl: this.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: TIMEOUT_MS,
      // failures are thrown to the delivery engine, which logs them once
      logLevel: LogLevel.ERROR,
      adapter: outboundAdapter(this.http, (response) => {
        answered = response;
      }),
    });
    try {
      return await send(client);
    } catch (error) {
      throw redacted(webApiError(error, answered), [this.token]);
    }
  }
}

/** POSTs a message to an incoming webhook. Success is 200 with the plain text `ok`; errors are plain-text codes. */
export async function postToWebhook(http: OutboundHttp, webhookUrl: string, message: SlackMessage): Promise<string> {
  const secrets = [webhookUrl, new URL(webhookUrl).pathname];
  let response: OutboundResponse;
  try {
    response = await http.request({
      url: webhookUrl, target: SLACK_TARGET, method: 'POST', timeoutMs: TIMEOUT_MS,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }),
    });
  } catch (error) {
    throw redacted(outboundError(error), secrets);
  }
  const { status } = response;
  const code = plainCode(response.body.toString('utf8'));
  const answer = code ? `${status} ${code}` : `HTTP ${status}`;
  if (status >= 200 && status < 300) return answer;
  throw redacted(httpStatusError(status, answer, response), secrets);
}

type AxiosAdapter = NonNullable<WebClientOptions['adapter']>;
type AxiosResponse = Awaited<ReturnType<AxiosAdapter>>;

/**
 * WebClient's requests sent through OutboundHttp. WebClient builds the URL (slackApiUrl + method),
 * the headers (`Authorization: Bearer`) and a form-encoded body, and reads the answer as axios
 * gives it; `onAnswer` sees the raw answer, which WebClient does not keep for every failure.
 */
function outboundAdapter(http: OutboundHttp, onAnswer: (response: OutboundResponse) => void): AxiosAdapter {
  return async (config) => {
    const url = new URL(config.url ?? '', config.baseURL).href;
    if (typeof config.data !== 'string') throw new TypeError('the Slack client sends form-encoded bodies only');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers.toJSON(true))) {
      if (value !== undefined && value !== null) headers[name] = String(value);
    }
    const response = await http.request({
      // WebClient calls every method with POST
      url, target: SLACK_TARGET, method: 'POST', headers, body: config.data, timeoutMs: config.timeout || undefined,
    });
    onAnswer(response);
    const answer: AxiosResponse = {
      status: response.status, statusText: '', headers: response.headers, config,
      data: response.body.toString('utf8'),
      // WebClient reads `request.path` of every answer
      request: { path: new URL(url).pathname },
    };
    return answer;
  };
}

/** A failed Web API call as a TargetError; anything not recognized (a bug) is rethrown as it is. */
function webApiError(error: unknown, answered: OutboundResponse | undefined): unknown {
  if (error instanceof OutboundError) return outboundError(error);
  // WebClient throws a coded error when Retry-After is an integer, and an uncoded one when it is
  // missing or unreadable: both are read from the answer itself.
  if (answered?.status === 429) return httpStatusError(429, `HTTP 429 ${jsonCode(answered) ?? ''}`.trim(), answered);
  const coded = error as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  if (coded.code === ErrorCode.PlatformError) {
    const code = typeof coded.data?.error === 'string' ? coded.data.error : 'unknown_error';
    // A 200 that is not Slack's JSON (WebClient then takes the body for the code): not Slack's API at apiUrl.
    if (!/^[a-z0-9_]{1,100}$/.test(code)) return new TargetError('never', 'the answer is not Slack Web API JSON');
    if (code === 'ratelimited') return new TargetError('after', code);
    // Other codes say the request, token, channel or workspace is wrong (channel_not_found,
    // invalid_auth, not_in_channel, is_archived, …), and so does any code we do not know:
    // retrying would repeat it until someone fixes the connector, so it is parked at once.
    return new TargetError(TRANSIENT_CODES.has(code) ? 'later' : 'never', code);
  }
  if (coded.code === ErrorCode.HTTPError && typeof coded.statusCode === 'number') {
    return httpStatusError(coded.statusCode, `HTTP ${coded.statusCode}`, answered);
  }
  // An axios failure WebClient wrapped: its `original` holds the request config, the token
  // included, so it is replaced here rather than passed on to be logged.
  if (coded.code === ErrorCode.RequestError) return new TargetError('later', 'the Slack client failed to make the request');
  return error;
}

/** An answer's status as a TargetError: 429 after its Retry-After, 5xx and 408 later, the rest never. */
function httpStatusError(status: number, answer: string, response: OutboundResponse | undefined): TargetError {
  return statusError(status, answer, retryAfterMs(response?.headers['retry-after']));
}

/** The policy's or the network's failure: timeouts and unreachable hosts later; a refused URL, a redirect or an oversized answer never. */
function outboundError(error: unknown): unknown {
  if (!(error instanceof OutboundError)) return error;
  return new TargetError(error.retryable ? 'later' : 'never', error.message, null, { cause: error });
}

/** Slack sends `Retry-After` as whole seconds (contract [C]); anything else is taken as no Retry-After. */
function retryAfterMs(value: string | undefined): number | null {
  const trimmed = value?.trim();
  return trimmed && /^\d{1,9}$/.test(trimmed) ? Number(trimmed) * 1000 : null;
}

/** A plain-text error code (`channel_not_found`), or undefined when the body is something else (an HTML error page). */
function plainCode(body: string): string | undefined {
  const text = body.trim();
  return /^[a-z0-9_]{1,100}$/i.test(text) ? text : undefined;
}

/** The `error` of a JSON answer (the 429's `ratelimited` is third-party documented only: read when there). */
function jsonCode(response: OutboundResponse): string | undefined {
  try {
    const error = (JSON.parse(response.body.toString('utf8')) as { error?: unknown } | null)?.error;
    return typeof error === 'string' ? plainCode(error) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error with any secret cut out of its answer, and then without its cause (which says the
 * same unredacted). Slack does not echo tokens or webhook URLs, so this is a second line: an
 * answer is shown to tenants and must never carry one.
 */
function redacted(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof TargetError)) return error;
  const answer = secrets.filter(Boolean).reduce((text, secret) => text.split(secret).join('[secret]'), error.answer);
  return answer === error.answer ? error : new TargetError(error.retry, answer, error.retryAfterMs);
}
