/**
 * The outbound-HTTP port: every call Tributary makes to another service (Monte Carlo's GraphQL API
 * now; Slack, Teams, Jira and Freshdesk next) goes through it, so that each obeys one policy
 * (outbound-policy.ts): https only, hosts on an allow-list, no redirects followed, no internal
 * addresses (checked where a name resolves, not only on the name), a connect and a total timeout,
 * and a cap on the answer's size. Adapter: NodeOutboundHttp.
 *
 * Its errors say what the policy or the network did, never what the remote service said: callers
 * decide what of a remote answer to show (tenants see a code and a generic message; the remote
 * text goes to the log).
 */

/** A service Tributary calls, and the hosts it may call for it without further configuration. */
export interface OutboundTarget {
  /** e.g. `montecarlo`, named in refusals and logs */
  name: string;
  /** the service's own hosts; `*.example.com` allows subdomains */
  hosts: readonly string[];
}

export interface OutboundRequest {
  url: string;
  target: OutboundTarget;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** a shorter total timeout than the policy's, for a caller that must not wait long (never a longer one) */
  timeoutMs?: number;
}

export interface OutboundResponse {
  status: number;
  /** header names in lower case */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface OutboundHttp {
  /** Refuses a URL the policy does not allow (OutboundError `outbound_url_refused`) without calling it. */
  check(url: string, target: OutboundTarget): void;
  /** One request, never retried and never redirected; any HTTP status is an answer. Throws OutboundError. */
  request(request: OutboundRequest): Promise<OutboundResponse>;
}

export type OutboundErrorCode =
  /** the policy refuses the URL (scheme, host, address) or where its name resolves */
  | 'outbound_url_refused'
  /** the answer was a redirect: not followed */
  | 'outbound_redirect_refused'
  /** no connection within the connect timeout, or no complete answer within the total timeout */
  | 'outbound_timeout'
  /** the answer was larger than the cap: cut off */
  | 'outbound_response_too_large'
  /** the name did not resolve, the connection was refused or broke */
  | 'outbound_unreachable';

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    /** for a refusal: what the policy refused */
    readonly refused: 'scheme' | 'host' | 'address' | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundError';
  }

  /** Whether trying again later may succeed. */
  get retryable(): boolean {
    return this.code === 'outbound_timeout' || this.code === 'outbound_unreachable';
  }
}
