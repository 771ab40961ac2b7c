import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Okta management API as the contract describes it (`../shared/contracts/okta.md`):
 * `GET /api/v1/users`, `/api/v1/groups`, `/api/v1/groups/{id}/users`, authenticated by
 * `Authorization: SSWS <token>` (else 401 `E0000011`), paged by `limit` and an `after` cursor named
 * in the `Link: <…>; rel="next"` header, and 429 `E0000047` with the X-Rate-Limit-* headers (reset in
 * epoch seconds) when told to.
 */
export interface OktaFakeUser {
  id: string;
  status: string;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  lastUpdated: string;
}

export interface OktaFakeGroup {
  id: string;
  name: string;
  members: string[];
  lastUpdated: string;
}

export interface OktaFake {
  orgUrl: string;
  apiToken: string;
  users: OktaFakeUser[];
  groups: OktaFakeGroup[];
  /** the next `times` calls answer 429 with `X-Rate-Limit-Reset` `resetInSeconds` from now */
  rateLimitNext(times: number, resetInSeconds: number): void;
  /** every request answered: path with query, status */
  requests: { path: string; status: number; authorization: string | undefined }[];
  stop(): Promise<void>;
}

export async function startOktaFake(opts: { users: OktaFakeUser[]; groups: OktaFakeGroup[]; apiToken?: string }): Promise<OktaFake> {
  const apiToken = opts.apiToken ?? '00aFakeOktaApiToken0000000000000000000000';
  let limited = 0;
  let resetIn = 1;
  const requests: OktaFake['requests'] = [];
  const fake: Partial<OktaFake> = { apiToken, users: opts.users, groups: opts.groups, requests };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    requests.push({ path: req.url ?? '', status, authorization: req.headers.authorization });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (code: string, summary: string) => ({ errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${code}`, errorCauses: [] });

  const page = <T>(req: IncomingMessage, res: ServerResponse, url: URL, items: T[], idOf: (t: T) => string, toJson: (t: T) => unknown) => {
    const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit') ?? 200)));
    const after = url.searchParams.get('after');
    const start = after === null ? 0 : items.findIndex((i) => idOf(i) === after) + 1;
    const slice = items.slice(start, start + limit);
    const self = `<${fake.orgUrl}${url.pathname}${url.search}>; rel="self"`;
    const links = [self];
    if (start + limit < items.length) {
      const next = new URL(url.pathname, fake.orgUrl);
      next.searchParams.set('after', idOf(slice[slice.length - 1]));
      next.searchParams.set('limit', String(limit));
      links.push(`<${next.toString()}>; rel="next"`);
    }
    send(req, res, 200, slice.map(toJson), { link: links.join(', ') });
  };

  const userJson = (u: OktaFakeUser) => ({
    id: u.id, status: u.status, created: '2024-01-01T00:00:00.000Z', activated: null, statusChanged: null, lastLogin: null,
    lastUpdated: u.lastUpdated, passwordChanged: null, type: { id: 'oty1' },
    profile: { login: u.login, email: u.email, firstName: u.firstName, lastName: u.lastName, mobilePhone: null, secondEmail: null },
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } }, _links: { self: { href: `${fake.orgUrl}/api/v1/users/${u.id}` } },
  });
  const groupJson = (g: OktaFakeGroup) => ({
    id: g.id, created: '2024-01-01T00:00:00.000Z', lastUpdated: g.lastUpdated, lastMembershipUpdated: g.lastUpdated, objectClass: ['okta:user_group'],
    type: 'OKTA_GROUP', profile: { name: g.name, description: null }, _links: {},
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.headers.authorization !== `SSWS ${apiToken}`) return send(req, res, 401, error('E0000011', 'Invalid token provided'));
    if (limited > 0) {
      limited -= 1;
      return send(req, res, 429, error('E0000047', 'API call exceeded rate limit due to too many requests.'), {
        'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + resetIn),
      });
    }
    if (req.method !== 'GET') return send(req, res, 405, error('E0000022', 'The endpoint does not support the provided HTTP method'));
    if (url.pathname === '/api/v1/users') return page(req, res, url, opts.users, (u) => u.id, userJson);
    if (url.pathname === '/api/v1/groups') return page(req, res, url, opts.groups, (g) => g.id, groupJson);
    const members = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(url.pathname);
    if (members) {
      const group = opts.groups.find((g) => g.id === decodeURIComponent(members[1]));
      if (!group) return send(req, res, 404, error('E0000007', `Not found: Resource not found: ${members[1]} (UserGroup)`));
      const users = group.members.map((id) => opts.users.find((u) => u.id === id)!).filter(Boolean);
      return page(req, res, url, users, (u) => u.id, userJson);
    }
    return send(req, res, 404, error('E0000007', `Not found: Resource not found: ${url.pathname}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.orgUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.rateLimitNext = (times, resetInSeconds) => { limited = times; resetIn = resetInSeconds; };
  fake.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake as OktaFake;
}
