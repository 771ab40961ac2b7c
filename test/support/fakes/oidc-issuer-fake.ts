import { createHash, generateKeyPairSync, JsonWebKey, KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** The person the fake issuer signs in (it has no login form: its sign-in is always this person's). */
export interface FakeUser {
  sub: string;
  /** claims of the access token besides iss, aud, sub, iat, exp (e.g. tenant, groups) */
  claims: Record<string, unknown>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  scope: string;
}

/**
 * A local OpenID Connect issuer for tests: discovery, the authorization endpoint (Authorization Code
 * only, PKCE S256 required), the token endpoint (which checks the code verifier), and its JWKS at
 * `/v1/keys` (Okta's path, the platform's default). Tokens are RS256 JWTs. It answers CORS as an
 * issuer does for a single-page app's calls.
 */
export class FakeOidcIssuer {
  readonly requests: { method: string; path: string; query: Record<string, string>; form: Record<string, string> }[] = [];
  private readonly key: { kid: string; privateKey: KeyObject; jwk: JsonWebKey };
  private readonly codes = new Map<string, PendingCode>();
  private server?: Server;
  url = '';

  constructor(private readonly clientId: string, private readonly audience: string, private readonly user: FakeUser) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomUUID();
    this.key = { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await new Promise<string>((resolve) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => resolve(b)); });
    const form = Object.fromEntries(new URLSearchParams(body));
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), form });
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, content-type');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const send = (status: number, value: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value)); };
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return send(200, {
          issuer: this.url, authorization_endpoint: `${this.url}/authorize`, token_endpoint: `${this.url}/token`, jwks_uri: `${this.url}/v1/keys`,
          response_types_supported: ['code'], grant_types_supported: ['authorization_code'], code_challenge_methods_supported: ['S256'],
          subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['none'],
        });
      case 'GET /v1/keys':
        return send(200, { keys: [this.key.jwk] });
      case 'GET /authorize':
        return this.authorize(url.searchParams, res);
      case 'POST /token':
        return this.token(form, send);
      default:
        return send(404, { error: 'not_found' });
    }
  }

  private authorize(q: URLSearchParams, res: ServerResponse): void {
    const redirectUri = q.get('redirect_uri') ?? '';
    const fail = (error: string): void => { res.writeHead(400, { 'content-type': 'text/plain' }).end(error); };
    if (q.get('client_id') !== this.clientId) return fail('unknown client_id');
    if (q.get('response_type') !== 'code') return fail('unsupported response_type');
    if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return fail('PKCE (S256) is required');
    const code = randomBytes(16).toString('base64url');
    this.codes.set(code, { clientId: this.clientId, redirectUri, challenge: q.get('code_challenge')!, nonce: q.get('nonce'), scope: q.get('scope') ?? '' });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state') ?? '');
    res.writeHead(302, { location: back.toString() }).end();
  }

  private token(form: Record<string, string>, send: (status: number, value: unknown) => void): void {
    const pending = this.codes.get(form.code ?? '');
    // a code is good once
    this.codes.delete(form.code ?? '');
    if (form.grant_type !== 'authorization_code' || !pending) return send(400, { error: 'invalid_grant' });
    if (form.client_id !== pending.clientId || form.redirect_uri !== pending.redirectUri) return send(400, { error: 'invalid_grant' });
    const challenge = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
    if (challenge !== pending.challenge) return send(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    const now = Math.floor(Date.now() / 1000);
    const accessToken = this.jwt({ iss: this.url, aud: this.audience, sub: this.user.sub, iat: now, exp: now + 300, ...this.user.claims });
    const idToken = this.jwt({ iss: this.url, aud: pending.clientId, sub: this.user.sub, iat: now, exp: now + 300,
      ...(pending.nonce ? { nonce: pending.nonce } : {}) });
    send(200, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: 300, scope: pending.scope });
  }

  private jwt(claims: Record<string, unknown>): string {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: this.key.kid })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), this.key.privateKey).toString('base64url')}`;
  }
}
