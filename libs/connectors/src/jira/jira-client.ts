import { z } from 'zod';
import { OutboundError, OutboundHttp, OutboundResponse, OutboundTarget, parseRetryAfter } from '@tributary/outbound';
import { statusError, TargetError } from '../target-connector';
import type { AdfDoc } from './jira-adf';

/**
 * Jira Cloud's own hosts. A site is `<site>.atlassian.net`; `api.atlassian.com/ex/jira/<cloudId>`
 * is the gateway that scoped API tokens (and OAuth apps) are sent to. Another host (a Jira behind a
 * proxy) needs the platform's TRIBUTARY_OUTBOUND_ALLOWED_HOSTS.
 */
export const JIRA_TARGET: OutboundTarget = { name: 'jira', hosts: ['*.atlassian.net', 'api.atlassian.com'] };

/** The longest error text kept in an answer: it is shown to the tenant in the delivery's attempts. */
const MAX_ANSWER_CHARS = 500;

export interface JiraCredentials {
  /** the site, e.g. `https://acme.atlassian.net`, or a gateway URL with its path */
  baseUrl: string;
  email: string;
  apiToken: string;
}

export interface JiraIssueFields {
  project: { key: string };
  issuetype: { name: string } | { id: string };
  summary: string;
  description: AdfDoc;
  labels: string[];
  priority?: { name: string };
}

export interface JiraTransition {
  id: string;
  name: string;
  /** the target status; its category is `new`, `indeterminate` or `done` (or `undefined`, Jira's "no category") */
  to: { name: string | null; categoryKey: string | null };
}

export interface JiraSearchPage {
  /** `key` is absent when no `fields` were asked for: the search then returns ids only */
  issues: { id: string; key: string | null; fields: Record<string, unknown> }[];
  /** null on the last page */
  nextPageToken: string | null;
}

// Answers are read loosely: Jira adds fields over time (a created issue may carry `transition` and
// `watchers`), and only the fields below are used.
const CreatedIssue = z.looseObject({ id: z.coerce.string(), key: z.string().min(1) });
const Transitions = z.looseObject({
  transitions: z.array(z.looseObject({
    id: z.coerce.string(),
    name: z.string(),
    to: z.looseObject({
      name: z.string().nullish(),
      statusCategory: z.looseObject({ key: z.string().nullish() }).nullish(),
    }).nullish(),
  })),
});
// The last page omits `nextPageToken` instead of sending null (JRACLOUD-92184), and `isLast` is read
// as optional: a page without a token is the last whatever `isLast` says, since there is no way on.
const SearchPage = z.looseObject({
  issues: z.array(z.looseObject({
    id: z.coerce.string(),
    key: z.string().nullish(),
    fields: z.record(z.string(), z.unknown()).nullish(),
  })),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().nullish(),
});
const ErrorBody = z.looseObject({
  errorMessages: z.array(z.unknown()).nullish(),
  errors: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * A small transport for Jira Cloud REST v3 with Basic auth (`email:apiToken`). One method per call
 * the target needs; each is one request through the platform's outbound HTTP. It never retries or
 * sleeps: a failure is a TargetError whose `retry` says what the delivery engine may do, and whose
 * answer is Jira's own error text, never a header or the token.
 *
 * Search is `/rest/api/3/search/jql` only: the old `/rest/api/{2,3}/search` answers 410 Gone since 2025.
 */
export class JiraClient {
  readonly #base: string;
  readonly #authorization: string;
  readonly #secrets: string[];

  constructor(credentials: JiraCredentials, private readonly http: OutboundHttp) {
    this.#base = credentials.baseUrl.replace(/\/+$/, '');
    const basic = Buffer.from(`${credentials.email}:${credentials.apiToken}`, 'utf8').toString('base64');
    this.#authorization = `Basic ${basic}`;
    this.#secrets = [credentials.apiToken, basic].filter((s) => s.length > 0);
  }

  /** `POST /rest/api/3/issue` → 201 `{id, key, self}`. */
  async createIssue(fields: JiraIssueFields): Promise<{ id: string; key: string; status: number }> {
    const response = await this.call('POST', '/rest/api/3/issue', { fields });
    const created = CreatedIssue.safeParse(parseJson(response.body));
    // The issue may well exist: calling the answer permanent keeps the engine from making a second one.
    if (!created.success) throw new TargetError('never', `${response.status}: Jira's answer names no issue key`);
    return { id: created.data.id, key: created.data.key, status: response.status };
  }

  /** `POST /rest/api/3/issue/{key}/comment` with an ADF body → 201. */
  async addComment(issueKey: string, body: AdfDoc): Promise<{ status: number }> {
    const response = await this.call('POST', `${issuePath(issueKey)}/comment`, { body });
    return { status: response.status };
  }

  /** `GET /rest/api/3/issue/{key}/transitions`: the transitions the issue's current status offers. */
  async transitions(issueKey: string): Promise<JiraTransition[]> {
    const response = await this.call('GET', `${issuePath(issueKey)}/transitions`);
    const parsed = Transitions.safeParse(parseJson(response.body));
    if (!parsed.success) throw new TargetError('never', `${response.status}: Jira's list of transitions could not be read`);
    return parsed.data.transitions.map((t) => ({
      id: t.id, name: t.name, to: { name: t.to?.name ?? null, categoryKey: t.to?.statusCategory?.key ?? null },
    }));
  }

  /** `POST /rest/api/3/issue/{key}/transitions {transition:{id}}` → 204. */
  async transition(issueKey: string, transitionId: string): Promise<void> {
    await this.call('POST', `${issuePath(issueKey)}/transitions`, { transition: { id: transitionId } });
  }

  /** One page of `POST /rest/api/3/search/jql`; pass the page's `nextPageToken` back for the next. */
  async searchJql(request: { jql: string; fields: string[]; maxResults: number; nextPageToken: string | null }): Promise<JiraSearchPage> {
    const { nextPageToken, ...rest } = request;
    const response = await this.call('POST', '/rest/api/3/search/jql', nextPageToken ? { ...rest, nextPageToken } : rest);
    const parsed = SearchPage.safeParse(parseJson(response.body));
    if (!parsed.success) throw new TargetError('never', `${response.status}: Jira's search answer could not be read`);
    const last = parsed.data.isLast === true || !parsed.data.nextPageToken;
    return {
      issues: parsed.data.issues.map((i) => ({ id: i.id, key: i.key ?? null, fields: i.fields ?? {} })),
      nextPageToken: last ? null : parsed.data.nextPageToken!,
    };
  }

  /** One request; a 2xx is returned, anything else thrown as a classified TargetError. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<OutboundResponse> {
    let response: OutboundResponse;
    try {
      response = await this.http.request({
        url: `${this.#base}${path}`, target: JIRA_TARGET, method,
        headers: {
          authorization: this.#authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      // Timeouts and network failures may pass; a refused URL or redirect stays refused until the connector is fixed.
      throw new TargetError(error.retryable ? 'later' : 'never', this.redact(`${error.code}: ${error.message}`), null, { cause: error });
    }
    const { status } = response;
    if (status >= 200 && status < 300) return response;
    // Not every Jira 429 carries Retry-After (JRACLOUD-82801): null leaves the engine to back off with jitter.
    // 400 (validation), 401/403 (the token or its permissions), 404 (no such project or issue), 410 …: never.
    throw statusError(status, this.redact(`${status}${describeError(response.body)}`), parseRetryAfter(response.headers['retry-after']));
  }

  /** Jira does not echo credentials, but an answer is shown to the tenant: a proxy's page might. */
  private redact(text: string): string {
    const clean = this.#secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
    return clean.length > MAX_ANSWER_CHARS ? `${clean.slice(0, MAX_ANSWER_CHARS - 1)}…` : clean;
  }
}

/** An issue's path; the key is encoded so that a stored ref can only ever name an issue. */
const issuePath = (issueKey: string) => `/rest/api/3/issue/${encodeURIComponent(issueKey)}`;

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Jira's error shape, `{"errorMessages":[…],"errors":{"field":"message"}}` (seen in third-party
 * code, not in Atlassian's reference, so read loosely), as ` messages; field: message`. A body in
 * another shape (an HTML page from a proxy) is left out rather than shown.
 */
function describeError(body: Buffer): string {
  const parsed = ErrorBody.safeParse(parseJson(body));
  if (!parsed.success) return '';
  const messages = (parsed.data.errorMessages ?? []).filter((m): m is string => typeof m === 'string' && m.length > 0);
  const fields = Object.entries(parsed.data.errors ?? {}).map(([field, m]) => `${field}: ${typeof m === 'string' ? m : JSON.stringify(m)}`);
  const all = [...messages, ...fields];
  return all.length > 0 ? ` ${all.join('; ')}` : '';
}
