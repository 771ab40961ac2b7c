import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertNode, incidentNode } from '../../../../../test/support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../../../../../test/support/montecarlo/montecarlo-graphql.server';
import { localOutbound } from '../../../../../test/support/outbound';
import { parseRetryAfter } from '@tributary/outbound';
import { MonteCarloGraphqlClient, type MonteCarloPage } from './montecarlo-graphql.client';
import {
  MonteCarloAuthError,
  MonteCarloEndpointRefused,
  MonteCarloGraphqlError,
  MonteCarloRateLimited,
  MonteCarloResponseError,
  MonteCarloUnavailable,
} from './montecarlo-graphql.errors';

const SINCE = '2024-05-01T00:00:00Z';

/** What a rejected call threw, for assertions on its fields. */
async function failure(promise: Promise<unknown>): Promise<MonteCarloGraphqlError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MonteCarloGraphqlError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe(MonteCarloGraphqlClient.name, () => {
  let server: MonteCarloGraphqlServer;
  let client: MonteCarloGraphqlClient;

  beforeEach(async () => {
    server = await MonteCarloGraphqlServer.start({ apiId: 'key-id', apiToken: 'key-secret' });
    client = new MonteCarloGraphqlClient({ endpoint: server.url, apiId: 'key-id', apiToken: 'key-secret', http: localOutbound() });
  });
  afterEach(() => server.stop());

  const incidentsAt = (...times: string[]) => times.map((createdTime) => incidentNode({ createdTime }));

  describe('paging', () => {
    it('reads getIncidents page by page, following endCursor until hasNextPage is false', async () => {
      server.incidents.push(...incidentsAt(...Array.from({ length: 7 }, (_, i) => `2024-05-01T0${i}:00:00Z`)));
      const pages: MonteCarloPage<{ uuid: string }>[] = [];
      let after: string | null = null;
      do {
        const page: MonteCarloPage<{ uuid: string }> = await client.incidentsPage({ since: SINCE, first: 3, after });
        pages.push(page);
        after = page.hasNextPage ? page.endCursor : null;
      } while (after);

      expect(pages.map((p) => p.nodes.length)).toEqual([3, 3, 1]);
      expect(pages.flatMap((p) => p.nodes.map((n) => n.uuid))).toEqual(server.incidents.map((n) => n.uuid));
      expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
      expect(server.requests.map((r) => r.rootField)).toEqual(['getIncidents', 'getIncidents', 'getIncidents']);
      expect(server.requests.map((r) => r.args.after)).toEqual([undefined, pages[0]!.endCursor, pages[1]!.endCursor]);
      expect(server.requests.every((r) => r.args.first === 3)).toBe(true);
    });

    it('sends the time range as startTime/endTime and gets only incidents inside it', async () => {
      server.incidents.push(...incidentsAt('2024-04-30T23:59:59Z', '2024-05-01T10:00:00Z', '2024-05-02T00:00:00Z'));
      const page = await client.incidentsPage({ since: new Date(SINCE), until: '2024-05-02T00:00:00+00:00', first: 10 });

      expect(page.nodes.map((n) => n.createdTime)).toEqual(['2024-05-01T10:00:00Z']);
      expect(server.requests[0]!.variables).toEqual({
        first: 10, startTime: '2024-05-01T00:00:00.000Z', endTime: '2024-05-02T00:00:00.000Z',
      });
    });

    it('reads getAlerts with a createdTime range by default, or an updatedTime range when asked', async () => {
      server.alerts.push(
        alertNode({ createdTime: '2024-04-01T00:00:00Z', updatedTime: '2024-05-01T09:00:00Z' }),
        alertNode({ createdTime: '2024-05-01T08:00:00Z', updatedTime: null }),
      );

      const byCreated = await client.alertsPage({ since: SINCE, first: 10 });
      const byUpdated = await client.alertsPage({ since: SINCE, first: 10, timeField: 'updatedTime' });

      expect(byCreated.nodes.map((n) => n.uuid)).toEqual([server.alerts[1]!.uuid]);
      expect(byUpdated.nodes.map((n) => n.uuid)).toEqual([server.alerts[0]!.uuid]);
      expect(server.requests.map((r) => r.rootField)).toEqual(['getAlerts', 'getAlerts']);
      expect(server.requests[0]!.args).toEqual({ first: 10, createdTime: { after: '2024-05-01T00:00:00.000Z' } });
      expect(server.requests[1]!.args).toEqual({ first: 10, updatedTime: { after: '2024-05-01T00:00:00.000Z' } });
    });

    it('keeps fields it does not know (validation is loose) and skips null nodes', async () => {
      server.incidents.push(incidentNode({ createdTime: '2024-05-01T01:00:00Z', priority: 'P1' }));
      server.failNext(1, { body: { data: { getIncidents: {
        edges: [null, { node: null }, { node: server.incidents[0] }],
        pageInfo: { hasNextPage: false, endCursor: null },
      } } } });

      const page = await client.incidentsPage({ since: SINCE, first: 5 });

      expect(page.nodes).toHaveLength(1);
      expect(page.nodes[0]!.priority).toBe('P1');
    });
  });

  describe('incidents by id', () => {
    it('reads the given incidents whatever their time, sending incidentIds and no time range', async () => {
      server.incidents.push(...incidentsAt('2020-01-01T00:00:00Z', '2024-05-01T10:00:00Z', '2024-05-02T00:00:00Z'));
      const wanted = [server.incidents[0]!.uuid as string, server.incidents[2]!.uuid as string];
      const page = await client.incidentsByIdsPage({ incidentIds: wanted, first: 100 });

      expect(page.nodes.map((n) => n.uuid)).toEqual(wanted);
      expect(server.requests[0]!.args).toEqual({ first: 100, after: undefined, incidentIds: wanted });
    });
  });

  describe('credentials', () => {
    it('sends the key id and secret as x-mcd-id and x-mcd-token, with a JSON {query, variables} body', async () => {
      await client.incidentsPage({ since: SINCE, first: 1 });

      const { headers, variables } = server.requests[0]!;
      expect(headers['x-mcd-id']).toBe('key-id');
      expect(headers['x-mcd-token']).toBe('key-secret');
      expect(headers['content-type']).toBe('application/json');
      expect(variables.first).toBe(1);
    });

    it('throws MonteCarloAuthError, not retryable, on 401 (a wrong key) and on 403', async () => {
      const wrong = new MonteCarloGraphqlClient({ endpoint: server.url, apiId: 'key-id', apiToken: 'nope', http: localOutbound() });
      const unauthorized = await failure(wrong.incidentsPage({ since: SINCE, first: 1 }));
      server.failNext(1, { status: 403 });
      const forbidden = await failure(client.alertsPage({ since: SINCE, first: 1 }));

      expect(unauthorized).toBeInstanceOf(MonteCarloAuthError);
      expect(unauthorized).toMatchObject({ status: 401, retryable: false, code: 'montecarlo_auth_failed' });
      expect(unauthorized.message).not.toContain('nope');
      expect(forbidden).toMatchObject({ status: 403 });
    });
  });

  describe('rate limits', () => {
    it('throws MonteCarloRateLimited with Retry-After seconds, and the caller resumes from the same cursor', async () => {
      server.incidents.push(...incidentsAt('2024-05-01T01:00:00Z', '2024-05-01T02:00:00Z', '2024-05-01T03:00:00Z'));
      const first = await client.incidentsPage({ since: SINCE, first: 2 });
      server.failNext(1, { status: 429, retryAfterSeconds: 7 });

      const limited = await failure(client.incidentsPage({ since: SINCE, first: 2, after: first.endCursor }));
      const resumed = await client.incidentsPage({ since: SINCE, first: 2, after: first.endCursor });

      expect(limited).toBeInstanceOf(MonteCarloRateLimited);
      expect(limited).toMatchObject({ retryAfterMs: 7000, retryable: true });
      expect(resumed.nodes.map((n) => n.uuid)).toEqual([server.incidents[2]!.uuid]);
      expect(server.requests.map((r) => r.args.after)).toEqual([undefined, first.endCursor, first.endCursor]);
      expect(server.requests.map((r) => r.status)).toEqual([200, 429, 200]);
    });

    it('reads a Retry-After HTTP-date as the time left until then', async () => {
      server.failNext(1, { status: 429, retryAfterDate: new Date(Date.now() + 10_000) });

      const limited = (await failure(client.incidentsPage({ since: SINCE, first: 1 }))) as MonteCarloRateLimited;

      // HTTP-dates have whole seconds: up to a second is lost in the formatting, more to the clock.
      expect(limited.retryAfterMs).toBeGreaterThan(7_000);
      expect(limited.retryAfterMs).toBeLessThanOrEqual(10_000);
    });

    it('waits 1 s when Retry-After is absent or unreadable', async () => {
      server.failNext(1, { status: 429 });
      server.failNext(1, { status: 429, headers: { 'retry-after': 'soon' } });

      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({ retryAfterMs: 1000 });
      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({ retryAfterMs: 1000 });
    });

    it('parses both Retry-After forms (parseRetryAfter)', () => {
      const now = Date.parse('2024-05-01T12:00:00Z');
      expect(parseRetryAfter('120', now)).toBe(120_000);
      expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
      expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
      expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
      expect(parseRetryAfter('-5', now)).toBeNull();
      expect(parseRetryAfter('later', now)).toBeNull();
      expect(parseRetryAfter(null, now)).toBeNull();
    });
  });

  describe('unavailability', () => {
    it('throws MonteCarloUnavailable, retryable, on 5xx', async () => {
      server.failNext(1, { status: 500 });
      server.failNext(1, { status: 503, headers: { 'retry-after': '30' } });

      const internal = await failure(client.incidentsPage({ since: SINCE, first: 1 }));
      const down = await failure(client.incidentsPage({ since: SINCE, first: 1 }));

      expect(internal).toBeInstanceOf(MonteCarloUnavailable);
      expect(internal).toMatchObject({ status: 500, retryable: true, retryAfterMs: null, code: 'montecarlo_unavailable' });
      expect(down).toMatchObject({ status: 503, retryAfterMs: 30_000 });
    });

    it('throws MonteCarloUnavailable when nothing answers, without the text of the network error', async () => {
      const gone = await MonteCarloGraphqlServer.start();
      const url = gone.url;
      await gone.stop();
      const offline = new MonteCarloGraphqlClient({ endpoint: url, apiId: 'key-id', apiToken: 'key-secret', http: localOutbound() });

      const error = await failure(offline.incidentsPage({ since: SINCE, first: 1 }));
      expect(error).toBeInstanceOf(MonteCarloUnavailable);
      expect(error).toMatchObject({ status: null, retryable: true });
      expect(error.message).toBe('Monte Carlo did not answer: the service could not be reached (ECONNREFUSED)');
    });

    it('throws MonteCarloUnavailable when the answer does not come within the outbound timeout', async () => {
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const slow = new MonteCarloGraphqlClient({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`, apiId: 'i', apiToken: 't',
        http: localOutbound({ timeoutMs: 100 }) });
      try {
        const error = await failure(slow.incidentsPage({ since: SINCE, first: 1 }));
        expect(error).toBeInstanceOf(MonteCarloUnavailable);
        expect(error.message).toMatch(/no complete answer within 100 ms/);
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    });
  });

  describe('the outbound policy', () => {
    it('refuses an endpoint off the allow-list, and a redirect, without retrying (MonteCarloEndpointRefused)', async () => {
      const strict = new MonteCarloGraphqlClient({ endpoint: server.url, apiId: 'key-id', apiToken: 'key-secret', http: localOutbound({ allowedHosts: [] }) });
      expect(await failure(strict.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({ code: 'montecarlo_endpoint_refused', retryable: false });
      expect(server.requests).toHaveLength(0);

      server.failNext(1, { status: 302, headers: { location: 'http://127.0.0.1:1/graphql' } });
      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toBeInstanceOf(MonteCarloEndpointRefused);
      expect(server.requests).toHaveLength(1);
    });

    it('cuts off an answer larger than the cap (MonteCarloResponseError)', async () => {
      server.incidents.push(...Array.from({ length: 50 }, () => incidentNode({ createdTime: '2024-05-01T01:00:00Z' })));
      const capped = new MonteCarloGraphqlClient({ endpoint: server.url, apiId: 'key-id', apiToken: 'key-secret', http: localOutbound({ maxResponseBytes: 2048 }) });
      const error = await failure(capped.incidentsPage({ since: SINCE, first: 50 }));
      expect(error).toBeInstanceOf(MonteCarloResponseError);
      expect(error.message).toMatch(/cut off/);
    });
  });

  describe('bad responses', () => {
    it('throws MonteCarloResponseError, not retryable, when the answer carries GraphQL errors', async () => {
      server.failNext(1, { graphqlErrors: [{ message: 'Cannot query field "uuid" on type "Alert".' }] });

      const error = await failure(client.alertsPage({ since: SINCE, first: 1 }));

      expect(error).toBeInstanceOf(MonteCarloResponseError);
      expect(error).toMatchObject({ retryable: false, path: 'errors', graphqlMessages: ['Cannot query field "uuid" on type "Alert".'] });
      expect(error.message).toContain('Cannot query field');
    });

    it('names the path of a node that fails the schema', async () => {
      server.incidents.push(incidentNode({ createdTime: '2024-05-01T01:00:00Z' }), incidentNode({ createdTime: '2024-05-01T02:00:00Z', uuid: 42 }));

      const error = await failure(client.incidentsPage({ since: SINCE, first: 5 }));

      expect(error).toBeInstanceOf(MonteCarloResponseError);
      expect(error).toMatchObject({ path: 'data.getIncidents.edges[1].node.uuid' });
      expect(error.message).toContain('data.getIncidents.edges[1].node.uuid');
    });

    it('names the path of a missing pageInfo, an unreadable time, or a cursor that does not advance', async () => {
      server.failNext(1, { body: { data: { getIncidents: { edges: [] } } } });
      server.failNext(1, { body: { data: { getIncidents: {
        edges: [{ node: incidentNode({ updatedTime: 'yesterday' }) }], pageInfo: { hasNextPage: false } } } } });
      server.failNext(1, { body: { data: { getIncidents: { edges: [], pageInfo: { hasNextPage: true, endCursor: null } } } } });

      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({ path: 'data.getIncidents.pageInfo' });
      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({ path: 'data.getIncidents.edges[0].node.updatedTime' });
      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({ path: 'data.getIncidents.pageInfo.endCursor' });
    });

    it('throws MonteCarloResponseError for a body that is not JSON, and for another 4xx', async () => {
      server.failNext(1, { body: '<html>maintenance</html>' });
      server.failNext(1, { status: 400, body: { errors: [{ message: 'Syntax Error' }] } });

      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toBeInstanceOf(MonteCarloResponseError);
      expect(await failure(client.incidentsPage({ since: SINCE, first: 1 }))).toMatchObject({
        retryable: false, graphqlMessages: ['Syntax Error'],
      });
    });
  });

  describe('arguments', () => {
    it('refuses a page size that is not a positive integer and a time that is not a date-time', async () => {
      await expect(client.incidentsPage({ since: SINCE, first: 0 })).rejects.toThrow(RangeError);
      await expect(client.incidentsPage({ since: 'last week', first: 1 })).rejects.toThrow(TypeError);
      expect(server.requests).toHaveLength(0);
    });
  });
});
