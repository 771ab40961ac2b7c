import type { z } from 'zod';
import { OutboundError, OutboundHttp, OutboundResponse, OutboundTarget, parseRetryAfter } from '@tributary/outbound';
import {
  MonteCarloAuthError,
  MonteCarloEndpointRefused,
  MonteCarloRateLimited,
  MonteCarloResponseError,
  MonteCarloUnavailable,
} from './montecarlo-graphql.errors';
import { INCIDENTS_BY_IDS_QUERY, INCIDENTS_PAGE_QUERY, alertsPageQuery, type MonteCarloAlertTimeField } from './montecarlo-graphql.queries';
import {
  GraphqlEnvelopeSchema,
  MonteCarloAlertNodeSchema,
  MonteCarloIncidentNodeSchema,
  connectionSchema,
  type MonteCarloAlertNode,
  type MonteCarloIncidentNode,
} from './montecarlo-graphql.schema';
import { parseMonteCarloTime } from './montecarlo-time';

export const MONTE_CARLO_GRAPHQL_ENDPOINT = 'https://api.getmontecarlo.com/graphql';
/** Monte Carlo's own hosts: its API may be called there without the platform allowing more. */
export const MONTE_CARLO_TARGET: OutboundTarget = { name: 'montecarlo', hosts: ['api.getmontecarlo.com', '*.getmontecarlo.com'] };
/** When a 429 carries no usable `Retry-After`, wait this long before resuming. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export interface MonteCarloGraphqlClientOptions {
  /** defaults to Monte Carlo's public endpoint; tests point it at a local server */
  endpoint?: string;
  /** API key id, sent as `x-mcd-id` */
  apiId: string;
  /** API key secret, sent as `x-mcd-token` */
  apiToken: string;
  /** the platform's outbound HTTP: its policy (allowed hosts and addresses, timeouts, size cap) applies to every call */
  http: OutboundHttp;
  /** a total timeout shorter than the policy's, for callers the ingest stream waits on */
  timeoutMs?: number;
}

export interface MonteCarloPageRequest {
  /** start of the time range (inclusive), as a Date or an ISO 8601 string */
  since: Date | string;
  /** end of the time range; open-ended when absent */
  until?: Date | string | null;
  /** the previous page's `endCursor`; absent or null for the first page */
  after?: string | null;
  /** page size */
  first: number;
}

export interface MonteCarloAlertsPageRequest extends MonteCarloPageRequest {
  /** which alert time the range applies to; default `createdTime` */
  timeField?: MonteCarloAlertTimeField;
}

export interface MonteCarloPage<N> {
  nodes: N[];
  /** pass as `after` to read the next page; null when Monte Carlo gave none */
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * A small transport for Monte Carlo's GraphQL API (pull side: backfill and reconciliation). One
 * method per paged root field; each call is one HTTP request. It never sleeps or retries: failures
 * are thrown as typed errors (montecarlo-graphql.errors.ts) and the calling job decides whether to
 * wait and resume from the same cursor. Which tenant's key to use is the caller's business.
 */
export class MonteCarloGraphqlClient {
  readonly endpoint: string;
  readonly #apiId: string;
  readonly #apiToken: string;
  readonly #http: OutboundHttp;
  readonly #timeoutMs: number | undefined;

  constructor(options: MonteCarloGraphqlClientOptions) {
    if (!options.apiId || !options.apiToken) throw new TypeError('a Monte Carlo API key id and token are required');
    this.endpoint = options.endpoint ?? MONTE_CARLO_GRAPHQL_ENDPOINT;
    this.#apiId = options.apiId;
    this.#apiToken = options.apiToken;
    this.#http = options.http;
    this.#timeoutMs = options.timeoutMs;
  }

  /** One page of `getIncidents`, filtered by `startTime`/`endTime`. */
  async incidentsPage(request: MonteCarloPageRequest): Promise<MonteCarloPage<MonteCarloIncidentNode>> {
    const { since, until } = timeRange(request);
    const variables = { first: pageSize(request.first), after: request.after ?? undefined, startTime: since, endTime: until };
    return this.page('getIncidents', INCIDENTS_PAGE_QUERY, variables, MonteCarloIncidentNodeSchema, request.after);
  }

  /** One page of `getIncidents` for the given incident ids (UUIDs), whatever their time. */
  async incidentsByIdsPage(request: { incidentIds: readonly string[]; first: number; after?: string | null }): Promise<MonteCarloPage<MonteCarloIncidentNode>> {
    const variables = { first: pageSize(request.first), after: request.after ?? undefined, incidentIds: request.incidentIds };
    return this.page('getIncidents', INCIDENTS_BY_IDS_QUERY, variables, MonteCarloIncidentNodeSchema, request.after);
  }

  /** One page of `getAlerts` (the newer alerts model), filtered by a `DateTimeRangeInput`. */
  async alertsPage(request: MonteCarloAlertsPageRequest): Promise<MonteCarloPage<MonteCarloAlertNode>> {
    const { since, until } = timeRange(request);
    const variables = { first: pageSize(request.first), after: request.after ?? undefined, range: { after: since, before: until } };
    return this.page('getAlerts', alertsPageQuery(request.timeField ?? 'createdTime'), variables, MonteCarloAlertNodeSchema, request.after);
  }

  private async page<S extends z.ZodType>(
    rootField: string,
    query: string,
    variables: Record<string, unknown>,
    nodeSchema: S,
    after: string | null | undefined,
  ): Promise<MonteCarloPage<z.infer<S>>> {
    const data = await this.post(query, variables);
    const root = `data.${rootField}`;
    if (typeof data !== 'object' || data === null) throw new MonteCarloResponseError(`the response has no data (at data)`, 'data');
    const parsed = connectionSchema(nodeSchema).safeParse((data as Record<string, unknown>)[rootField]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = root + formatPath(issue.path);
      throw new MonteCarloResponseError(`the response failed validation at ${path}: ${issue.message}`, path);
    }
    const { edges, pageInfo } = parsed.data;
    const endCursor = pageInfo.endCursor ?? null;
    // A page that claims more but gives no new cursor would make the caller loop on one page forever.
    if (pageInfo.hasNextPage && (endCursor === null || endCursor === after)) {
      const path = `${root}.pageInfo.endCursor`;
      throw new MonteCarloResponseError(`hasNextPage is true but the cursor did not advance (at ${path})`, path);
    }
    // Relay allows null edges and nodes (e.g. an object deleted between count and fetch): skip them.
    const nodes = edges.flatMap((edge) => (edge?.node ? [edge.node as z.infer<S>] : []));
    return { nodes, endCursor, hasNextPage: pageInfo.hasNextPage };
  }

  /**
   * POSTs one GraphQL document and returns its `data`, or throws the classified failure. Through
   * the platform's outbound HTTP: an endpoint its policy refuses is never called (not even after a
   * redirect or a DNS change), and a call that hangs or answers too much is cut off.
   */
  private async post(query: string, variables: Record<string, unknown>): Promise<unknown> {
    let response: OutboundResponse;
    try {
      response = await this.#http.request({
        url: this.endpoint, target: MONTE_CARLO_TARGET, method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-mcd-id': this.#apiId,
          'x-mcd-token': this.#apiToken,
        },
        body: JSON.stringify({ query, variables }),
        timeoutMs: this.#timeoutMs,
      });
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      if (error.retryable) throw new MonteCarloUnavailable(`Monte Carlo did not answer: ${error.message}`, null, null, { cause: error });
      if (error.code === 'outbound_response_too_large') throw new MonteCarloResponseError(`Monte Carlo's answer was cut off: ${error.message}`, null);
      throw new MonteCarloEndpointRefused(error.message, { cause: error });
    }

    const status = response.status;
    const header = (name: string) => response.headers[name] ?? null;
    if (status === 429) throw new MonteCarloRateLimited(parseRetryAfter(header('retry-after')) ?? DEFAULT_RETRY_AFTER_MS);
    if (status === 401 || status === 403) throw new MonteCarloAuthError(status);
    if (status >= 500 || status === 408) {
      throw new MonteCarloUnavailable(`Monte Carlo answered HTTP ${status}`, status, parseRetryAfter(header('retry-after')));
    }

    const text = response.body.toString('utf8');
    const json = parseJson(text);
    if (status < 200 || status >= 300) {
      // e.g. 400 for a query the schema rejects: retrying the same query cannot help.
      const messages = graphqlMessages(json);
      throw new MonteCarloResponseError(
        `Monte Carlo answered HTTP ${status}${messages.length ? `: ${messages.join('; ')}` : ''}`, null, messages);
    }
    if (json === undefined) throw new MonteCarloResponseError('the response body is not JSON', null);

    const envelope = GraphqlEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      const issue = envelope.error.issues[0]!;
      const path = formatPath(issue.path).replace(/^\./, '') || '(body)';
      throw new MonteCarloResponseError(`the response failed validation at ${path}: ${issue.message}`, path);
    }
    const messages = graphqlMessages(json);
    if (envelope.data.errors && envelope.data.errors.length > 0) {
      throw new MonteCarloResponseError(`Monte Carlo answered with GraphQL errors: ${messages.join('; ') || '(no message)'}`, 'errors', messages);
    }
    return envelope.data.data;
  }
}


function timeRange(request: MonteCarloPageRequest): { since: string; until: string | undefined } {
  return {
    since: toIsoTime(request.since, 'since'),
    until: request.until === undefined || request.until === null ? undefined : toIsoTime(request.until, 'until'),
  };
}

function toIsoTime(value: Date | string, name: string): string {
  const ms = value instanceof Date ? value.getTime() : parseMonteCarloTime(value);
  if (ms === null || Number.isNaN(ms)) throw new TypeError(`${name} must be a valid date-time`);
  return new Date(ms).toISOString();
}

function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1) throw new RangeError('first must be a positive integer');
  return first;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function graphqlMessages(json: unknown): string[] {
  const errors = (json as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e) => (typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : '(no message)'));
}

/** `edges[0].node.uuid` style, as a reader would write it. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`)).join('');
}

