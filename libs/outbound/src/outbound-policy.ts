import { OutboundError, OutboundTarget } from './outbound-http';
import { ipLiteral, isPublicAddress } from './address-ranges';

/** Where and how this platform may call other services: one policy for every outbound call. */
export interface OutboundPolicy {
  /**
   * Who wrote the URLs called: tenants (a connector's endpoint: every check below applies) or the
   * operator, in the platform's configuration (schema registry, OIDC issuer): any host and address,
   * plain http allowed. Timeouts, the size cap and the refusal of redirects apply to both.
   */
  urlsFrom: 'tenants' | 'operator';
  /** hosts any target may call besides its own (`*.example.com` for subdomains), e.g. a self-hosted Jira */
  allowedHosts: readonly string[];
  /**
   * Lets calls reach private, loopback and link-local addresses, and plain `http` to such an address
   * literal or to `localhost` (local test servers, an on-premises mock). Off in production.
   */
  allowPrivate: boolean;
  connectTimeoutMs: number;
  /** from the request's start to the last byte of the answer */
  timeoutMs: number;
  maxResponseBytes: number;
}

export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = {
  urlsFrom: 'tenants', allowedHosts: [], allowPrivate: false, connectTimeoutMs: 5_000, timeoutMs: 30_000, maxResponseBytes: 8 * 1024 * 1024,
};

/** For the services the operator configured (small JSON answers: schemas, key sets). */
export const OPERATOR_SERVICE_POLICY: OutboundPolicy = {
  urlsFrom: 'operator', allowedHosts: [], allowPrivate: true, connectTimeoutMs: 5_000, timeoutMs: 10_000, maxResponseBytes: 1024 * 1024,
};

/**
 * Checks a URL before anything is sent: the scheme, and the host against the target's own hosts
 * and the platform's allow-list; an address literal must be public (unless allowPrivate). A name is
 * checked again where it resolves, at connection time (see NodeOutboundHttp). Returns the URL.
 */
export function checkOutboundUrl(raw: string, target: OutboundTarget, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('outbound_url_refused', 'not a URL', 'scheme');
  }
  if (policy.urlsFrom === 'operator') {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError('outbound_url_refused', 'only http and https are allowed', 'scheme');
    return url;
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const address = ipLiteral(host);
  const local = address !== null ? !isPublicAddress(address) : host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivate && local)) {
    throw new OutboundError('outbound_url_refused',
      policy.allowPrivate ? 'only https is allowed, and http only to a private address or localhost' : 'only https is allowed', 'scheme');
  }
  if (url.username || url.password) throw new OutboundError('outbound_url_refused', 'credentials in the URL are not allowed', 'scheme');
  if (address !== null && local && !policy.allowPrivate) {
    throw new OutboundError('outbound_url_refused', 'the address is not a public internet address', 'address');
  }
  if (!hostAllowed(host, [...target.hosts, ...policy.allowedHosts])) {
    throw new OutboundError('outbound_url_refused',
      `the host ${host} is not allowed for ${target.name} (allowed: ${[...target.hosts, ...policy.allowedHosts].join(', ')}; more by TRIBUTARY_OUTBOUND_ALLOWED_HOSTS)`,
      'host');
  }
  return url;
}

/** `host` (as URL writes it) is on the list: equal to an entry, or below a `*.domain` entry. */
function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase().replace(/\.$/, '');
    if (e.startsWith('*.')) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
    return asUrlHost(e) === host;
  });
}

/** An entry as URL would write it as a host (`::1` → `[::1]`, `2130706433` → `127.0.0.1`). */
function asUrlHost(entry: string): string {
  try {
    return new URL(`https://${ipLiteral(entry) && entry.includes(':') && !entry.startsWith('[') ? `[${entry}]` : entry}/`).hostname.replace(/\.$/, '');
  } catch {
    return entry;
  }
}

/** The platform's allow-list from its configuration: comma-separated hosts. */
export const parseAllowedHosts = (value: string): string[] => value.split(',').map((h) => h.trim()).filter(Boolean);
