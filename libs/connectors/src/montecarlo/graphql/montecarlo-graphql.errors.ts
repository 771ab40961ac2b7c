/**
 * What can go wrong when Tributary pulls from Monte Carlo's GraphQL API. The client never sleeps or
 * retries: it classifies the failure and the caller (a backfill or reconciliation job) decides, from
 * `retryable` and `retryAfterMs`, whether to wait and resume from the same cursor or to give up.
 *
 * These are outbound failures (Monte Carlo refusing *our* key, being down, answering nonsense), so
 * they deliberately are not DomainErrors: an API edge must never turn them into a 401 or 429 for
 * Tributary's own caller. Messages never contain the API key id or token.
 */
export type MonteCarloGraphqlErrorCode =
  | 'montecarlo_rate_limited' // HTTP 429: wait retryAfterMs, then resume from the same cursor
  | 'montecarlo_auth_failed' // HTTP 401/403: the configured key is wrong, expired or lacks permission
  | 'montecarlo_unavailable' // HTTP 5xx, timeout or network failure: retry later
  | 'montecarlo_bad_response' // GraphQL `errors`, another 4xx, a body that fails validation or is too large
  | 'montecarlo_endpoint_refused'; // the outbound policy refuses the endpoint (host, address, scheme) or its redirect

export abstract class MonteCarloGraphqlError extends Error {
  abstract readonly code: MonteCarloGraphqlErrorCode;
  abstract readonly retryable: boolean;
}

export class MonteCarloRateLimited extends MonteCarloGraphqlError {
  readonly code = 'montecarlo_rate_limited' as const;
  readonly retryable = true;
  constructor(readonly retryAfterMs: number) {
    super(`Monte Carlo rate-limited the request; retry after ${retryAfterMs} ms`);
    this.name = 'MonteCarloRateLimited';
  }
}

export class MonteCarloAuthError extends MonteCarloGraphqlError {
  readonly code = 'montecarlo_auth_failed' as const;
  readonly retryable = false;
  constructor(readonly status: number) {
    super(`Monte Carlo refused the API key (HTTP ${status})`);
    this.name = 'MonteCarloAuthError';
  }
}

export class MonteCarloUnavailable extends MonteCarloGraphqlError {
  readonly code = 'montecarlo_unavailable' as const;
  readonly retryable = true;
  constructor(
    message: string,
    /** the HTTP status, or null when no response arrived (network failure, timeout) */
    readonly status: number | null,
    /** from a `Retry-After` header on the failure, when Monte Carlo sent one */
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MonteCarloUnavailable';
  }
}

export class MonteCarloResponseError extends MonteCarloGraphqlError {
  readonly code = 'montecarlo_bad_response' as const;
  readonly retryable = false;
  constructor(
    message: string,
    /** where in the response body the problem is, e.g. `data.getIncidents.edges[0].node.uuid` */
    readonly path: string | null = null,
    /** the GraphQL `errors[].message` values, when Monte Carlo sent any */
    readonly graphqlMessages: readonly string[] = [],
  ) {
    super(message);
    this.name = 'MonteCarloResponseError';
  }
}

export class MonteCarloEndpointRefused extends MonteCarloGraphqlError {
  readonly code = 'montecarlo_endpoint_refused' as const;
  readonly retryable = false;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the outbound policy refused the call to Monte Carlo: ${reason}`, options);
    this.name = 'MonteCarloEndpointRefused';
  }
}
