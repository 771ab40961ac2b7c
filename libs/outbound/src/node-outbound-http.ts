import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { isPublicAddress } from './address-ranges';
import { OutboundError, OutboundHttp, OutboundRequest, OutboundResponse, OutboundTarget } from './outbound-http';
import { checkOutboundUrl, OutboundPolicy } from './outbound-policy';

/**
 * OutboundHttp on Node's http and https modules: a new connection per request (no pooled socket
 * outlives the checks below), redirects returned as errors (Node never follows them).
 *
 * DNS rebinding: a name on the allow-list may resolve to an internal address, or resolve to a public
 * one when checked and an internal one when connecting. So the check is made in the socket's own
 * lookup, on the addresses it is about to connect to, and again on the connected socket's remote
 * address before the request is written.
 */
export class NodeOutboundHttp implements OutboundHttp {
  constructor(private readonly policy: OutboundPolicy) {}

  check(url: string, target: OutboundTarget): void {
    checkOutboundUrl(url, target, this.policy);
  }

  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const url = checkOutboundUrl(req.url, req.target, this.policy);
    const { connectTimeoutMs, maxResponseBytes } = this.policy;
    const timeoutMs = Math.min(this.policy.timeoutMs, req.timeoutMs ?? Infinity);
    const allowPrivate = this.policy.allowPrivate || this.policy.urlsFrom === 'operator';
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const fail = (error: OutboundError) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        request.destroy();
        reject(error);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, {
        method: req.method, headers: req.headers, agent: false,
        lookup: allowPrivate ? undefined : publicOnlyLookup,
      });
      const total = setTimeout(() => fail(new OutboundError('outbound_timeout', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('socket', (socket: Socket) => {
        const connect = setTimeout(() => fail(new OutboundError('outbound_timeout', `no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        // before http's own listener flushes the request onto the new connection
        socket.prependOnceListener('connect', () => {
          clearTimeout(connect);
          // what was connected to, whatever resolved it
          if (!allowPrivate && !isPublicAddress(socket.remoteAddress ?? '')) {
            fail(new OutboundError('outbound_url_refused', 'the host resolves to an address that is not a public internet address', 'address'));
          }
        });
        socket.once('close', () => clearTimeout(connect));
      });
      request.on('error', (error: Error) => fail(error instanceof OutboundError ? error : unreachable(error)));
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          fail(new OutboundError('outbound_redirect_refused', `the answer was a redirect (HTTP ${status}); redirects are not followed`));
          return;
        }
        const declared = Number(response.headers['content-length']);
        if (declared > maxResponseBytes) {
          fail(tooLarge(maxResponseBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) fail(tooLarge(maxResponseBytes));
          else chunks.push(chunk);
        });
        response.on('error', (error: Error) => fail(unreachable(error)));
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(total);
          resolve({ status, headers: flatHeaders(response), body: Buffer.concat(chunks) });
        });
      });
      request.end(req.body);
    });
  }
}

/** dns.lookup, keeping only public addresses: with none left, the connection is refused before it is made. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const allowed = addresses.filter((a) => isPublicAddress(a.address));
    if (allowed.length === 0) {
      return callback(new OutboundError('outbound_url_refused', 'the host resolves to an address that is not a public internet address', 'address'), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    return callback(null, allowed[0]!.address, allowed[0]!.family);
  });
};

const tooLarge = (max: number) => new OutboundError('outbound_response_too_large', `the answer was larger than ${max} bytes and was cut off`);

function unreachable(error: Error): OutboundError {
  const code = (error as { code?: string }).code;
  return new OutboundError('outbound_unreachable', `the service could not be reached${code ? ` (${code})` : ''}`, null, { cause: error });
}

function flatHeaders(response: IncomingMessage): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
}

/** GETs a JSON document through `http`; a non-2xx answer, or a body that is not JSON, throws an Error naming the status. */
export async function getJson(http: OutboundHttp, url: string, target: OutboundTarget): Promise<unknown> {
  const answer = await http.request({ url, target, method: 'GET', headers: { accept: 'application/json' } });
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${target.name} answered HTTP ${answer.status}`);
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new Error(`${target.name} answered with a body that is not JSON`);
  }
}
