import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeOutboundHttp } from './node-outbound-http';
import { OutboundError, OutboundTarget } from './outbound-http';
import { checkOutboundUrl, DEFAULT_OUTBOUND_POLICY, OutboundPolicy } from './outbound-policy';

const VENDOR: OutboundTarget = { name: 'vendor', hosts: ['api.vendor.example', '*.vendor.example'] };

/** A local server that records every request and every connection, answering with `handler`. */
async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const requests: { method?: string; url?: string; headers: IncomingMessage['headers'] }[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res);
  });
  server.on('connection', () => { connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port, requests, connections: () => connections,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OutboundError) return err;
    throw err;
  }
  throw new Error('expected an OutboundError');
}

const policy = (overrides: Partial<OutboundPolicy> = {}): OutboundPolicy => ({ ...DEFAULT_OUTBOUND_POLICY, ...overrides });
/** The switch tests need: local servers on loopback, by address or as localhost. */
const local = (overrides: Partial<OutboundPolicy> = {}) => policy({ allowPrivate: true, allowedHosts: ['127.0.0.1', 'localhost'], ...overrides });

describe(checkOutboundUrl.name, () => {
  const refused = (url: string, p = policy()) => {
    try {
      checkOutboundUrl(url, VENDOR, p);
      return null;
    } catch (err) {
      return (err as OutboundError).refused;
    }
  };

  it("allows https to the target's own hosts and to the platform's allow-list", () => {
    expect(refused('https://api.vendor.example/graphql')).toBeNull();
    expect(refused('https://eu1.vendor.example/graphql')).toBeNull();
    expect(refused('https://API.Vendor.Example./graphql')).toBeNull();
    expect(refused('https://jira.acme.example/rest', policy({ allowedHosts: ['jira.acme.example'] }))).toBeNull();
  });

  it('refuses another host, a look-alike, plain http and credentials in the URL', () => {
    expect(refused('https://evil.example/graphql')).toBe('host');
    expect(refused('https://vendor.example.evil.example/')).toBe('host');
    expect(refused('https://evilvendor.example/')).toBe('host');
    expect(refused('http://api.vendor.example/graphql')).toBe('scheme');
    expect(refused('ftp://api.vendor.example/')).toBe('scheme');
    expect(refused('https://user:pw@api.vendor.example/')).toBe('scheme');
    expect(refused('not a url')).toBe('scheme');
  });

  it('refuses internal address literals, however they are written, even when allow-listed', () => {
    const listed = policy({ allowedHosts: ['127.0.0.1', '::1', '169.254.169.254', '10.0.0.1', '0.0.0.0', '::ffff:127.0.0.1', 'fd00::1'] });
    for (const url of ['https://127.0.0.1/', 'https://2130706433/', 'https://0x7f.1/', 'https://[::1]/', 'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/', 'https://0.0.0.0/', 'https://[::ffff:127.0.0.1]/', 'https://[fd00::1]/']) {
      expect([url, refused(url, listed)]).toEqual([url, 'address']);
    }
  });

  it('with the private switch on, allows internal addresses and http to them (only to them)', () => {
    expect(refused('http://127.0.0.1:8080/graphql', local())).toBeNull();
    expect(refused('http://localhost:8080/graphql', local())).toBeNull();
    expect(refused('http://api.vendor.example/graphql', local())).toBe('scheme');
    expect(refused('https://10.1.2.3/', local())).toBe('host');
  });
});

describe(NodeOutboundHttp.name, () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  afterEach(async () => { await server?.stop(); });

  it('sends the request and returns the answer', async () => {
    server = await localServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json', 'x-seen': body }).end('{"ok":true}'));
    });
    const http = new NodeOutboundHttp(local());
    const answer = await http.request({ url: `http://127.0.0.1:${server.port}/x`, target: VENDOR, method: 'POST', headers: { 'x-token': 't' }, body: 'hello' });
    expect(answer.status).toBe(201);
    expect(answer.headers['x-seen']).toBe('hello');
    expect(answer.body.toString()).toBe('{"ok":true}');
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/x', headers: { 'x-token': 't' } });
  });

  it('never connects to a loopback server when the switch is off: not by address, not by a name that resolves there', async () => {
    server = await localServer((_req, res) => res.end('secret accepted'));
    // localhost is allow-listed here, as a vendor host could be made to resolve to 127.0.0.1 (DNS rebinding)
    const http = new NodeOutboundHttp(policy({ allowedHosts: ['localhost', '127.0.0.1'] }));
    const byAddress = await failure(http.request({ url: `https://127.0.0.1:${server.port}/`, target: VENDOR, method: 'POST', headers: { 'x-token': 'sealed' } }));
    const byName = await failure(http.request({ url: `https://localhost:${server.port}/`, target: VENDOR, method: 'POST', headers: { 'x-token': 'sealed' } }));
    expect(byAddress).toMatchObject({ code: 'outbound_url_refused', refused: 'address' });
    expect(byName).toMatchObject({ code: 'outbound_url_refused', refused: 'address' });
    expect(server.connections()).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a host that is not on the allow-list without resolving or calling it', async () => {
    const http = new NodeOutboundHttp(policy());
    expect(await failure(http.request({ url: 'https://example.com/', target: VENDOR, method: 'GET' }))).toMatchObject({
      code: 'outbound_url_refused', refused: 'host',
    });
  });

  it('does not follow a redirect', async () => {
    server = await localServer((req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: '/elsewhere' }).end();
      else res.end('followed');
    });
    const http = new NodeOutboundHttp(local());
    const err = await failure(http.request({ url: `http://127.0.0.1:${server.port}/start`, target: VENDOR, method: 'POST', body: '{}' }));
    expect(err).toMatchObject({ code: 'outbound_redirect_refused', retryable: false });
    expect(server.requests.map((r) => r.url)).toEqual(['/start']);
  });

  it('cuts off an answer larger than the cap, declared or streamed', async () => {
    server = await localServer((req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': String(10_000) }).end('x'.repeat(10_000));
      else {
        res.writeHead(200);
        const chunk = 'y'.repeat(1000);
        for (let i = 0; i < 20; i++) res.write(chunk);
        res.end();
      }
    });
    const http = new NodeOutboundHttp(local({ maxResponseBytes: 4096 }));
    expect(await failure(http.request({ url: `http://127.0.0.1:${server.port}/declared`, target: VENDOR, method: 'GET' })))
      .toMatchObject({ code: 'outbound_response_too_large' });
    expect(await failure(http.request({ url: `http://127.0.0.1:${server.port}/streamed`, target: VENDOR, method: 'GET' })))
      .toMatchObject({ code: 'outbound_response_too_large' });
  });

  it('gives up on an answer that does not complete within the total timeout', async () => {
    server = await localServer((_req, res) => {
      res.writeHead(200);
      res.write('a trickle that never ends');
    });
    const http = new NodeOutboundHttp(local({ timeoutMs: 200 }));
    expect(await failure(http.request({ url: `http://127.0.0.1:${server.port}/`, target: VENDOR, method: 'GET' })))
      .toMatchObject({ code: 'outbound_timeout', retryable: true });
  });

  it('reports a refused connection as unreachable, without the remote text', async () => {
    server = await localServer((_req, res) => res.end());
    const port = server.port;
    await server.stop();
    const http = new NodeOutboundHttp(local());
    const err = await failure(http.request({ url: `http://127.0.0.1:${port}/`, target: VENDOR, method: 'GET' }));
    expect(err).toMatchObject({ code: 'outbound_unreachable', retryable: true, message: 'the service could not be reached (ECONNREFUSED)' });
  });
});
