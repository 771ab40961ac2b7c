import { createHash } from 'node:crypto';
import { z } from 'zod';
import { OutboundError, OutboundHttp, OutboundResponse, OutboundTarget, parseRetryAfter } from '@tributary/outbound';
import { statusError, TargetAnswer, TargetConnector, TargetError } from '../target-connector';
import { digestCard, incidentCard, ownerLossCard, testCard, WorkflowsMessage } from './teams-card';

/**
 * Where Workflows webhook URLs live ([3P] in the contract): the Logic Apps hosts of the first
 * Workflows URLs (`prod-NN.<region>.logic.azure.com`, said to stop on 2025-11-30, still accepted
 * until they do) and the Power Platform environment hosts of the current ones. Other hosts (a
 * sovereign cloud) are the platform allow-list's to add, not this schema's.
 */
export const TEAMS_WORKFLOWS_TARGET: OutboundTarget = { name: 'teams', hosts: ['*.logic.azure.com', '*.environment.api.powerplatform.com'] };

export const RETIRED_CONNECTOR_MESSAGE =
  'Office 365 connector webhooks (*.webhook.office.com, outlook.office.com/webhook) were retired by Microsoft: ' +
  'create a Workflows webhook instead (in the channel: Workflows › "Send webhook alerts to a channel") and use its URL';

export const TeamsConfig = z.strictObject({
  /**
   * The URL of a Power Automate Workflows trigger "When a Teams webhook request is received". It is
   * a secret: its `sig` query parameter is the only authorisation. Its host is checked by the
   * outbound policy (TEAMS_WORKFLOWS_TARGET and the platform allow-list), not here.
   */
  webhookUrl: z.string().url().max(4096).refine((url) => !isRetiredConnectorUrl(url), RETIRED_CONNECTOR_MESSAGE),
});
export type TeamsConfig = z.infer<typeof TeamsConfig>;

/**
 * Throttling of Workflows triggers is not documented ([?] in the contract; Power Automate meters
 * runs per flow). One card a second per webhook still posts 60 a minute, more than a channel's
 * readers can follow (bursts are the digest's job), and keeps a flood of incidents from spending
 * the flow's run quota at once.
 */
const MIN_INTERVAL_MS = 1000;
/** How much of a refusal's body goes into the delivery's attempts. */
const EXCERPT_CHARS = 200;

/** Microsoft Teams, through a Power Automate Workflows webhook: one Adaptive Card per notice. */
export const teamsTarget: TargetConnector<TeamsConfig> = {
  kind: 'target',
  type: 'teams',
  description: 'Microsoft Teams channel, through a Power Automate Workflows webhook ("When a Teams webhook request is received"): one Adaptive Card per notice',
  configSchema: TeamsConfig,
  secretPaths: ['webhookUrl'],
  outboundUrls: [{ path: 'webhookUrl', target: TEAMS_WORKFLOWS_TARGET, secretPaths: ['webhookUrl'] }],

  rateLimit(config) {
    // The URL is a secret: the key names its hash, which is stable per webhook and reveals nothing.
    return { key: `teams:${createHash('sha256').update(config.webhookUrl).digest('hex').slice(0, 16)}`, minIntervalMs: MIN_INTERVAL_MS };
  },

  open: (config, http, notice) => post(config, http, incidentCard(notice)),
  // Workflows answers nothing to edit later, so whatever the ref, a change is a new card.
  update: (config, http, _ref, notice) => post(config, http, incidentCard(notice)),
  digest: (config, http, digest) => post(config, http, digestCard(digest)),
  announce: (config, http, notice) => post(config, http, ownerLossCard(notice)),
  test: (config, http) => post(config, http, testCard()),
};

/**
 * POSTs one message to the workflow. Any 2xx is success: Workflows answers 202 with an empty body,
 * a flow with a Response action may answer 200 ([3P]). A flow that fails later, inside its run,
 * is never seen by the caller.
 */
async function post(config: TeamsConfig, http: OutboundHttp, message: WorkflowsMessage): Promise<TargetAnswer> {
  let response: OutboundResponse;
  try {
    response = await http.request({
      url: config.webhookUrl, target: TEAMS_WORKFLOWS_TARGET, method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    // OutboundError messages name the host at most, never the URL with its `sig`.
    if (error.retryable) throw new TargetError('later', `Teams did not answer: ${error.message}`, null, { cause: error });
    throw new TargetError('never', `the call to Teams was refused: ${error.message}`, null, { cause: error });
  }
  const { status } = response;
  if (status >= 200 && status < 300) return { answer: `${status} ${status === 202 ? 'accepted by the workflow' : 'posted'}`, ref: null };
  // 400 (a body the trigger refuses), 401 (a `sig` that no longer matches), 404 (a deleted or
  // turned-off flow): sending the same again cannot help until the connector is fixed.
  throw statusError(status, `Teams answered HTTP ${status}${excerpt(response.body, config.webhookUrl)}`,
    parseRetryAfter(response.headers['retry-after']));
}

/**
 * `: <code>: <message>` from a Logic Apps error body (`{"error":{"code","message"}}`), else the
 * start of the text. Error messages may quote the request URL: every `sig` is blanked, and the
 * webhook URL too, whatever the body's shape.
 */
function excerpt(body: Buffer, webhookUrl: string): string {
  const text = body.toString('utf8');
  let summary = text;
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (error && (typeof error.code === 'string' || typeof error.message === 'string')) {
      summary = [error.code, error.message].filter((p) => typeof p === 'string').join(': ');
    }
  } catch {
    // not JSON: the text as it is
  }
  let safe = summary.split(webhookUrl).join('[webhook URL]');
  for (const sig of sigForms(webhookUrl)) safe = safe.split(sig).join('[redacted]');
  safe = safe.replace(/\s+/g, ' ').trim();
  if (!safe) return '';
  return `: ${safe.length > EXCERPT_CHARS ? `${safe.slice(0, EXCERPT_CHARS)}…` : safe}`;
}

/** The URL's `sig` as written in it and as decoded: an error message may quote either. */
function sigForms(webhookUrl: string): string[] {
  const raw = /[?&]sig=([^&#]+)/.exec(webhookUrl)?.[1];
  if (!raw) return [];
  try {
    return [raw, decodeURIComponent(raw)];
  } catch {
    return [raw];
  }
}

/** An Office 365 connector URL (`*.webhook.office.com/webhookb2/…`, `outlook.office.com/webhook/…`): retired. */
export function isRetiredConnectorUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'webhook.office.com' || host.endsWith('.webhook.office.com')) return true;
  return (host === 'outlook.office.com' || host === 'outlook.office365.com') && url.pathname.toLowerCase().startsWith('/webhook');
}
