import { DEFAULT_OUTBOUND_POLICY, NodeOutboundHttp, OutboundError, OutboundHttp, OutboundResponse } from '@tributary/outbound';
import { FreshdeskFake, startFreshdeskFake } from '../../../../test/support/fakes/freshdesk-fake';
import { describeTargetContract, incidentNotice, fakeOutbound } from '../target-connector.contract';
import { DeliveryRef, TargetError } from '../target-connector';
import { FRESHDESK_TARGET, FreshdeskConfig, freshdeskTarget } from './freshdesk.target';

describeTargetContract('freshdesk', freshdeskTarget, startFreshdeskFake, true);

const API_KEY = 'sKq3vN8rT2xY7pLm4';
const input = { domain: 'acme', apiKey: API_KEY, requesterEmail: 'data-alerts@example.com' };
const config = FreshdeskConfig.parse(input);

async function failure(promise: Promise<unknown>): Promise<TargetError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof TargetError)) throw new Error(`expected a TargetError, got ${String(error)}`);
  return error;
}

/** An OutboundHttp that answers every call with `answer`. */
const stubHttp = (answer: Partial<OutboundResponse>): OutboundHttp => ({
  check: () => undefined,
  request: async () => ({ status: 201, headers: {}, body: Buffer.alloc(0), ...answer }),
});

describe('freshdeskTarget', () => {
  describe('config', () => {
    it.each(['acme', 'ACME', 'acme.freshdesk.com'])('reads the domain %s as the account\'s address', (domain) => {
      expect(FreshdeskConfig.parse({ ...input, domain }).baseUrl).toBe('https://acme.freshdesk.com');
    });

    it('takes a baseUrl instead, as its origin', () => {
      const { domain: _, ...rest } = input;
      expect(FreshdeskConfig.parse({ ...rest, baseUrl: 'https://acme.freshdesk.com/' }).baseUrl).toBe('https://acme.freshdesk.com');
      expect(FreshdeskConfig.safeParse({ ...rest, baseUrl: 'https://acme.freshdesk.com/api/v2' }).success).toBe(false);
    });

    it('wants the account once: domain or baseUrl', () => {
      const { domain: _, ...rest } = input;
      expect(FreshdeskConfig.safeParse(rest).success).toBe(false);
      expect(FreshdeskConfig.safeParse({ ...input, baseUrl: 'https://acme.freshdesk.com' }).success).toBe(false);
      expect(FreshdeskConfig.safeParse({ ...input, domain: 'acme.example.com' }).success).toBe(false);
      expect(FreshdeskConfig.safeParse({ ...input, domain: 'https://acme.freshdesk.com' }).success).toBe(false);
    });

    it('defaults priorities by severity (SEV-1 Urgent … other Low) and the tributary tag', () => {
      expect(config).toEqual({
        baseUrl: 'https://acme.freshdesk.com', apiKey: API_KEY, requesterEmail: 'data-alerts@example.com',
        priorityBySeverity: { 'SEV-1': 4, 'SEV-2': 3, 'SEV-3': 2 }, tags: ['tributary'],
      });
    });

    it.each([0, 5, 2.5, '4'])('refuses the priority %p: Freshdesk\'s are 1 to 4', (priority) => {
      const result = FreshdeskConfig.safeParse({ ...input, priorityBySeverity: { 'SEV-1': priority } });
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.path).toEqual(['priorityBySeverity', 'SEV-1']);
    });

    it('refuses a config without a requester, or with one that is not an email address', () => {
      const { requesterEmail: _, ...withoutRequester } = input;
      const missing = FreshdeskConfig.safeParse(withoutRequester);
      expect(missing.success).toBe(false);
      expect(missing.error!.issues.map((i) => i.path.join('.'))).toEqual(['requesterEmail']);
      expect(FreshdeskConfig.safeParse({ ...input, requesterEmail: 'data-alerts' }).success).toBe(false);
    });

    it('refuses an empty API key, a group id that is not a positive integer, and unknown fields', () => {
      expect(FreshdeskConfig.safeParse({ ...input, apiKey: '' }).success).toBe(false);
      expect(FreshdeskConfig.safeParse({ ...input, groupId: -3 }).success).toBe(false);
      expect(FreshdeskConfig.safeParse({ ...input, password: 'x' }).success).toBe(false);
    });

    it('seals the API key and sends it only to Freshdesk hosts (and the platform allow-list)', () => {
      expect(freshdeskTarget.secretPaths).toEqual(['apiKey']);
      expect(freshdeskTarget.outboundUrls).toEqual([{ path: 'baseUrl', target: FRESHDESK_TARGET, secretPaths: ['apiKey'] }]);
      const production = new NodeOutboundHttp(DEFAULT_OUTBOUND_POLICY);
      expect(() => production.check(config.baseUrl, FRESHDESK_TARGET)).not.toThrow();
      expect(() => production.check('https://acme.freshdesk.com.example.net', FRESHDESK_TARGET)).toThrow(OutboundError);
      expect(() => production.check('http://acme.freshdesk.com', FRESHDESK_TARGET)).toThrow(OutboundError);
    });

    it('spends one rate limit per account, named by its host', () => {
      expect(freshdeskTarget.rateLimit(config)).toEqual({ key: 'freshdesk:acme.freshdesk.com', minIntervalMs: expect.any(Number) });
      expect(freshdeskTarget.rateLimit(config).minIntervalMs).toBeGreaterThan(0);
    });
  });

  describe('against an account', () => {
    let fake: FreshdeskFake;
    const http = fakeOutbound();
    beforeEach(async () => {
      fake = await startFreshdeskFake();
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('authenticates with HTTP Basic: the API key as user and X as password', async () => {
      await freshdeskTarget.open(fake.config, http, incidentNotice());
      expect(fake.requests.map((r) => [r.method, r.path, r.authorization])).toEqual([
        ['POST', '/api/v2/tickets', `Basic ${Buffer.from(`${fake.config.apiKey}:X`).toString('base64')}`],
      ]);
    });

    it('raises an Open ticket from the requester, with its tags and the incident\'s, type and group, and refers to it by id', async () => {
      const answer = await freshdeskTarget.open({ ...fake.config, type: 'Incident', groupId: 7, tags: ['tributary', 'data'] }, http, incidentNotice());
      const [ticket] = fake.tickets;
      expect(answer).toEqual({ answer: `201 ticket ${ticket!.id}`, ref: { ticketId: String(ticket!.id) } });
      expect(ticket).toMatchObject({
        subject: '[SEV-1] Freshness anomaly on ORDERS', email: 'data-alerts@example.com', status: 2, source: 2, priority: 4,
        tags: ['tributary', 'data', 'tributary-incident-0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01'], type: 'Incident', groupId: 7,
      });
    });

    it.each([['SEV-1', 4], ['SEV-2', 3], ['SEV-3', 2], ['SEV-5', 1], [null, 1]] as const)('gives severity %p priority %d', async (severity, priority) => {
      await freshdeskTarget.open(fake.config, http, incidentNotice({ severity }));
      expect(fake.tickets[0]!.priority).toBe(priority);
    });

    it('gives priorities from the configured map', async () => {
      await freshdeskTarget.open({ ...fake.config, priorityBySeverity: { high: 3 } }, http, incidentNotice({ severity: 'HIGH' }));
      expect(fake.tickets[0]!.priority).toBe(3);
    });

    it('sets status 4 when the incident is resolved and 2 when it is reopened, with a private note for each change', async () => {
      const { ref } = await freshdeskTarget.open(fake.config, http, incidentNotice());
      const resolved = await freshdeskTarget.update(fake.config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }));
      expect(fake.tickets[0]!.status).toBe(4);
      expect(resolved).toEqual({ answer: `201 note on ticket ${ref!.ticketId}, status 4`, ref });
      await freshdeskTarget.update(fake.config, http, ref, incidentNotice({ change: 'reopened', rawStatus: 'investigating' }));
      expect(fake.tickets[0]!.status).toBe(2);
      expect(fake.tickets[0]!.notes.map((n) => n.private)).toEqual([true, true]);
      expect(fake.items()[0]!.texts[2]).toMatch(/^Reopened: \[SEV-1\] Freshness anomaly on ORDERS/);
      expect(fake.items()[0]!.texts[2]).toContain('Status: Open (investigating)');
    });

    it('leaves the status to the agents on other updates', async () => {
      const { ref } = await freshdeskTarget.open(fake.config, http, incidentNotice());
      fake.tickets[0]!.status = 3;
      const answer = await freshdeskTarget.update(fake.config, http, ref, incidentNotice({ change: 'updated', severity: 'SEV-2' }));
      expect(answer.answer).toBe(`201 note on ticket ${ref!.ticketId}`);
      expect(fake.tickets[0]!.status).toBe(3);
      expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    });

    it('escapes HTML: a title with <script> is text in the ticket and its notes', async () => {
      const title = '<script>alert("pwned")</script> & more';
      const { ref } = await freshdeskTarget.open(fake.config, http, incidentNotice({ title }));
      await freshdeskTarget.update(fake.config, http, ref, incidentNotice({ title, change: 'updated' }));
      const ticket = fake.tickets[0]!;
      for (const html of [ticket.description, ticket.notes[0]!.body]) {
        expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; more');
        expect(html).not.toContain('<script');
      }
      expect(fake.items()[0]!.texts[0]).toContain(title);
    });

    it('raises a new ticket for a change that has no ref', async () => {
      const answer = await freshdeskTarget.update(fake.config, http, null, incidentNotice({ change: 'resolved', status: 'resolved' }));
      expect(fake.tickets).toHaveLength(1);
      expect(fake.tickets[0]!.status).toBe(4);
      expect(answer.ref).toEqual({ ticketId: String(fake.tickets[0]!.id) });
    });

    it.each<DeliveryRef>([{}, { ticketId: '' }, { ticketId: 'PROJ-1' }, { issueKey: '12' }])('calls the ref %p permanent, calling nothing', async (ref) => {
      const error = await failure(freshdeskTarget.update(fake.config, http, ref, incidentNotice({ change: 'updated' })));
      expect(error.retry).toBe('never');
      expect(error.answer).toContain('ticketId');
      expect(fake.requests).toHaveLength(0);
    });

    it('calls a ticket that is gone permanent, naming it', async () => {
      const error = await failure(freshdeskTarget.update(fake.config, http, { ticketId: '999' }, incidentNotice({ change: 'resolved', status: 'resolved' })));
      expect(error.retry).toBe('never');
      expect(error.answer).toMatch(/^Freshdesk answered HTTP 404: ticket 999 not found/);
    });

    it('raises one digest ticket at the highest priority, and a test ticket naming its id', async () => {
      const incidents = [incidentNotice({ severity: 'SEV-3', title: 'A' }), incidentNotice({ severity: 'SEV-2', title: 'B' })];
      const digest = await freshdeskTarget.digest(fake.config, http, { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:01:00Z'), incidents });
      expect(digest.ref).toEqual({ ticketId: '1' });
      expect(fake.tickets[0]!.priority).toBe(3);
      expect(await freshdeskTarget.test(fake.config, http)).toEqual({ answer: '201 ticket 2', ref: { ticketId: '2' } });
      expect(fake.tickets[1]).toMatchObject({ subject: 'Tributary test ticket', priority: 1 });
    });

    it('calls a wrong API key permanent, saying invalid_credentials and showing no key', async () => {
      const wrongKey = 'wrong-key-0123456789';
      const error = await failure(freshdeskTarget.open({ ...fake.config, apiKey: wrongKey }, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer).toBe('Freshdesk answered HTTP 401: invalid_credentials: You have to be logged in to perform this action.');
      for (const secret of [wrongKey, fake.config.apiKey, Buffer.from(`${wrongKey}:X`).toString('base64')]) expect(error.answer).not.toContain(secret);
    });

    it('calls a validation failure permanent, listing each field and code', async () => {
      const bad = { ...fake.config, requesterEmail: 'nobody', priorityBySeverity: { 'SEV-1': 9 } };
      const error = await failure(freshdeskTarget.open(bad, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer).toBe("Freshdesk answered HTTP 400: Validation failed: priority invalid_value (It should be one of these values: '1,2,3,4'); " +
        "email invalid_value (It should be in the 'valid email address' format)");
      expect(fake.tickets).toHaveLength(0);
    });

    it('reads the rate-limit headers the account sends on every answer', async () => {
      const response = await fakeOutbound().request({ url: `${fake.config.baseUrl}/api/v2/tickets`, target: FRESHDESK_TARGET, method: 'POST', body: '{}' });
      expect(response.status).toBe(401);
      expect(response.headers['x-ratelimit-total']).toMatch(/^\d+$/);
      expect(response.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
      expect(response.headers['x-ratelimit-used-currentrequest']).toBe('1');
    });
  });

  describe('answers', () => {
    it.each([
      [403, '{"code":"access_denied","message":"You are not authorized to perform this action."}', 'never', 'access_denied: You are not authorized to perform this action.'],
      [403, '', 'never', 'access denied (the API key\'s agent may not do this)'],
      [404, '', 'never', 'not found (check the account\'s domain)'],
      [415, '{"code":"invalid_content_type","message":"Content-Type header should have application/json"}', 'never', 'invalid_content_type: Content-Type header should have application/json'],
      [500, '<html>Internal Server Error</html>', 'later', '<html>Internal Server Error</html>'],
      [503, '', 'later', 'no error body'],
    ] as const)('calls HTTP %d %p %s', async (status, body, retry, text) => {
      const error = await failure(freshdeskTarget.open(config, stubHttp({ status, body: Buffer.from(body) }), incidentNotice()));
      expect([error.retry, error.answer]).toEqual([retry, `Freshdesk answered HTTP ${status}: ${text}`]);
    });

    it('waits for a 429\'s Retry-After', async () => {
      const error = await failure(freshdeskTarget.open(config, stubHttp({ status: 429, headers: { 'retry-after': '30' } }), incidentNotice()));
      expect([error.retry, error.retryAfterMs]).toEqual(['after', 30_000]);
    });

    it('never reports the API key, even when an error body echoes it', async () => {
      const body = JSON.stringify({ description: 'Validation failed', errors: [{ field: 'api_key', message: `key ${API_KEY} is revoked`, code: 'invalid_value' }] });
      const error = await failure(freshdeskTarget.open(config, stubHttp({ status: 400, body: Buffer.from(body) }), incidentNotice()));
      expect(error.answer).toBe('Freshdesk answered HTTP 400: Validation failed: api_key invalid_value (key [redacted] is revoked)');
    });

    it('reads the new ticket\'s id from Location when the body has none, and fails without retrying when neither has one', async () => {
      const fromLocation = await freshdeskTarget.open(config, stubHttp({ status: 201, headers: { location: 'https://acme.freshdesk.com/api/v2/tickets/77' } }), incidentNotice());
      expect(fromLocation.ref).toEqual({ ticketId: '77' });
      const error = await failure(freshdeskTarget.open(config, stubHttp({ status: 201, body: Buffer.from('{}') }), incidentNotice()));
      expect(error.retry).toBe('never');
    });
  });
});
