import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_OUTBOUND_POLICY, NodeOutboundHttp, OutboundError, OutboundHttp, OutboundRequest, OutboundResponse } from '@tributary/outbound';
import { startTeamsFake, TeamsFake } from '../../../../test/support/fakes/teams-fake';
import { describeTargetContract, incidentNotice, fakeOutbound } from '../target-connector.contract';
import { TargetError } from '../target-connector';
import { isRetiredConnectorUrl, RETIRED_CONNECTOR_MESSAGE, TEAMS_WORKFLOWS_TARGET, teamsTarget } from './teams.target';

describeTargetContract('teams (workflows)', teamsTarget, startTeamsFake, false);

const SIG = 'Zm9vYmFyLXNpZ25hdHVyZS1zZWNyZXQ';
const WORKFLOW_URL = 'https://default0a1b2c3d.4e.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/' +
  `8c1d/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;
const config = { webhookUrl: WORKFLOW_URL };

/** An OutboundHttp that answers every call with `answer` (or throws it), recording the requests. */
function stubHttp(answer: Partial<OutboundResponse> | Error): { http: OutboundHttp; calls: OutboundRequest[] } {
  const calls: OutboundRequest[] = [];
  return {
    calls,
    http: {
      check: () => undefined,
      request: async (request) => {
        calls.push(request);
        if (answer instanceof Error) throw answer;
        return { status: 202, headers: {}, body: Buffer.alloc(0), ...answer };
      },
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<TargetError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof TargetError)) throw new Error(`expected a TargetError, got ${String(error)}`);
  return error;
}

describe('teamsTarget', () => {
  describe('config', () => {
    it('accepts a Workflows URL, and a loopback one: which hosts may be called is the outbound policy\'s', () => {
      expect(teamsTarget.configSchema.safeParse(config).success).toBe(true);
      expect(teamsTarget.configSchema.safeParse({ webhookUrl: 'http://127.0.0.1:8080/powerautomate/x?sig=y' }).success).toBe(true);
    });

    it.each([
      'https://contoso.webhook.office.com/webhookb2/7f1e@72f9/IncomingWebhook/abc/def',
      'https://CONTOSO.Webhook.Office.com/webhookb2/x',
      'https://outlook.office.com/webhook/7f1e@72f9/IncomingWebhook/abc/def',
      'https://outlook.office365.com/webhook/7f1e/IncomingWebhook/abc',
    ])('refuses the retired Office 365 connector URL %s, saying to create a Workflows webhook', (webhookUrl) => {
      const result = teamsTarget.configSchema.safeParse({ webhookUrl });
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['webhookUrl', RETIRED_CONNECTOR_MESSAGE]]);
      expect(RETIRED_CONNECTOR_MESSAGE).toMatch(/retired/);
      expect(RETIRED_CONNECTOR_MESSAGE).toMatch(/create a Workflows webhook instead/);
    });

    it('tells a retired connector URL from a Workflows one on the same Microsoft domains', () => {
      expect(isRetiredConnectorUrl('https://outlook.office.com/mail/inbox')).toBe(false);
      expect(isRetiredConnectorUrl('https://prod-12.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=y')).toBe(false);
      expect(isRetiredConnectorUrl('https://notwebhook.office.com.example.org/webhookb2/x')).toBe(false);
    });

    it('refuses what is not a URL, and fields it does not know', () => {
      expect(teamsTarget.configSchema.safeParse({ webhookUrl: 'not a url' }).success).toBe(false);
      expect(teamsTarget.configSchema.safeParse({ ...config, channel: '#data' }).success).toBe(false);
      expect(teamsTarget.configSchema.safeParse({}).success).toBe(false);
    });

    it('seals the URL as a secret and sends it only to Workflows hosts (and the platform allow-list)', () => {
      expect(teamsTarget.secretPaths).toEqual(['webhookUrl']);
      expect(teamsTarget.outboundUrls).toEqual([{ path: 'webhookUrl', target: TEAMS_WORKFLOWS_TARGET, secretPaths: ['webhookUrl'] }]);
      const production = new NodeOutboundHttp(DEFAULT_OUTBOUND_POLICY);
      expect(() => production.check(WORKFLOW_URL, TEAMS_WORKFLOWS_TARGET)).not.toThrow();
      expect(() => production.check('https://prod-12.westus.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke?sig=y', TEAMS_WORKFLOWS_TARGET)).not.toThrow();
      for (const refused of ['https://hooks.example.com/x?sig=y', 'http://127.0.0.1:8080/x?sig=y', 'http://prod-1.westus.logic.azure.com/x']) {
        expect(() => production.check(refused, TEAMS_WORKFLOWS_TARGET)).toThrow(OutboundError);
      }
      const extended = new NodeOutboundHttp({ ...DEFAULT_OUTBOUND_POLICY, allowedHosts: ['flows.example.gov'] });
      expect(() => extended.check('https://flows.example.gov/x?sig=y', TEAMS_WORKFLOWS_TARGET)).not.toThrow();
    });
  });

  describe('rateLimit', () => {
    it('keys each webhook by a hash that shows neither the URL nor its sig', () => {
      const limit = teamsTarget.rateLimit(config);
      expect(limit.key).toMatch(/^teams:[0-9a-f]{16}$/);
      expect(limit.key).not.toContain(SIG);
      expect(teamsTarget.rateLimit({ webhookUrl: WORKFLOW_URL }).key).toBe(limit.key);
      expect(teamsTarget.rateLimit({ webhookUrl: WORKFLOW_URL.replace(SIG, 'other') }).key).not.toBe(limit.key);
      expect(limit.minIntervalMs).toBeGreaterThan(0);
    });
  });

  describe('against a Workflows trigger', () => {
    let fake: TeamsFake;
    const http = fakeOutbound();
    beforeEach(async () => {
      fake = await startTeamsFake();
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('posts a new card for every change, with no ref: the resolved incident\'s card says Resolved', async () => {
      const opened = await teamsTarget.open(fake.config, http, incidentNotice());
      const resolved = await teamsTarget.update(fake.config, http, { unexpected: 'x' }, incidentNotice({ change: 'resolved', status: 'resolved' }));
      expect([opened, resolved]).toEqual([{ answer: '202 accepted by the workflow', ref: null }, { answer: '202 accepted by the workflow', ref: null }]);
      expect(fake.cards.map((c) => c.resolved)).toEqual([false, true]);
      expect(fake.cards[0]!.text).toMatch(/^New incident · montecarlo/);
      expect(fake.cards[1]!.text).toMatch(/^Resolved · montecarlo/);
      expect(fake.cards[1]!.card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    });

    it('calls a URL whose sig no longer matches permanent, without the sig', async () => {
      const webhookUrl = fake.config.webhookUrl.replace(/sig=[^&]+/, 'sig=revoked-signature');
      const error = await failure(teamsTarget.open({ webhookUrl }, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer).toBe('Teams answered HTTP 401: DirectApiInvalidAuthorizationSignature: The provided authentication token is not valid.');
      expect(fake.cards).toHaveLength(0);
    });
  });

  describe('the Workflows fake', () => {
    let fake: TeamsFake;
    beforeEach(async () => {
      fake = await startTeamsFake();
    });
    afterEach(async () => {
      await fake.stop();
    });
    const post = (body: unknown) => fetch(fake.config.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('refuses what the real flow would fail on: no attachments, or a card that is not an AdaptiveCard', async () => {
      const noAttachments = await post({ text: 'hello' });
      expect(noAttachments.status).toBe(400);
      expect(await noAttachments.text()).toContain("'attachments' is of type 'Null'");
      const messageCard = await post({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'MessageCard' } }] });
      expect(messageCard.status).toBe(400);
      expect(await messageCard.text()).toContain("Property 'type' must be 'AdaptiveCard'");
      expect(fake.cards).toHaveLength(0);
    });

    it('answers 202 with an empty body, and 401 without the sig', async () => {
      const accepted = await post({ type: 'message', attachments: [{ content: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'Resolved' }] } }] });
      expect([accepted.status, await accepted.text()]).toEqual([202, '']);
      expect(fake.items()).toEqual([{ texts: ['Resolved'], resolved: true }]);
      const unsigned = await fetch(fake.config.webhookUrl.replace(/&sig=[^&]+/, ''), { method: 'POST', body: '{}' });
      expect(unsigned.status).toBe(401);
    });
  });

  describe('answers', () => {
    it('posts the card as JSON to the webhook URL, on the Workflows target', async () => {
      const { http, calls } = stubHttp({ status: 202 });
      await teamsTarget.test(config, http);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ url: WORKFLOW_URL, method: 'POST', target: TEAMS_WORKFLOWS_TARGET, headers: { 'content-type': 'application/json' } });
      expect(JSON.parse(calls[0]!.body as string)).toMatchObject({ type: 'message', attachments: [{ content: { type: 'AdaptiveCard' } }] });
    });

    it('counts any 2xx as success: a flow\'s Response action may answer 200', async () => {
      expect(await teamsTarget.open(config, stubHttp({ status: 200, body: Buffer.from('1') }).http, incidentNotice())).toEqual({ answer: '200 posted', ref: null });
      expect((await teamsTarget.digest(config, stubHttp({ status: 204 }).http, { from: new Date(), to: new Date(), incidents: [incidentNotice()] })).ref).toBeNull();
    });

    it.each([
      [400, 'never'], [401, 'never'], [403, 'never'], [404, 'never'], [413, 'never'],
      [408, 'later'], [500, 'later'], [502, 'later'], [503, 'later'], [504, 'later'],
    ] as const)('calls HTTP %d %s', async (status, retry) => {
      const error = await failure(teamsTarget.open(config, stubHttp({ status, body: Buffer.from('{"error":{"code":"X","message":"y"}}') }).http, incidentNotice()));
      expect([error.retry, error.answer, error.retryAfterMs]).toEqual([retry, `Teams answered HTTP ${status}: X: y`, null]);
    });

    it('waits for a 429\'s Retry-After, in seconds or as an HTTP-date', async () => {
      const seconds = await failure(teamsTarget.open(config, stubHttp({ status: 429, headers: { 'retry-after': '12' } }).http, incidentNotice()));
      expect([seconds.retry, seconds.retryAfterMs]).toEqual(['after', 12_000]);
      const date = new Date(Date.now() + 60_000).toUTCString();
      const dated = await failure(teamsTarget.open(config, stubHttp({ status: 429, headers: { 'retry-after': date } }).http, incidentNotice()));
      expect(dated.retry).toBe('after');
      expect(dated.retryAfterMs).toBeGreaterThan(50_000);
      expect(dated.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('never reports the webhook URL or its sig, even when the answer quotes them', async () => {
      const quoting = [
        JSON.stringify({ error: { code: 'WorkflowTriggerNotFound', message: `The trigger at '${WORKFLOW_URL}' was not found` } }),
        `<html>bad request for ${WORKFLOW_URL.replace('https://', 'http://')}</html>`,
        `signature ${SIG} is invalid`,
      ];
      for (const text of quoting) {
        const error = await failure(teamsTarget.open(config, stubHttp({ status: 400, body: Buffer.from(text) }).http, incidentNotice()));
        expect(error.retry).toBe('never');
        expect(error.answer).toMatch(/^Teams answered HTTP 400: /);
        expect(error.answer).not.toContain(SIG);
        expect(error.answer).not.toContain('sig=Zm9');
      }
    });

    it('blanks the sig as the URL writes it and as decoded', async () => {
      const encoded = { webhookUrl: WORKFLOW_URL.replace(SIG, 'aB3%2Bq9%2FzK1') };
      const error = await failure(teamsTarget.open(encoded, stubHttp({ status: 401, body: Buffer.from('sig aB3+q9/zK1 does not match; sig=aB3%2Bq9%2FzK1') }).http, incidentNotice()));
      expect(error.answer).toBe('Teams answered HTTP 401: sig [redacted] does not match; sig=[redacted]');
    });

    it('keeps a long answer short', async () => {
      const error = await failure(teamsTarget.open(config, stubHttp({ status: 400, body: Buffer.from('x'.repeat(5000)) }).http, incidentNotice()));
      expect(error.answer.length).toBeLessThan(260);
    });

    it('calls a workflow that cannot be reached later, and a URL the policy refuses never, naming neither URL nor sig', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const closed = { webhookUrl: `http://127.0.0.1:${port}/powerautomate/x?sig=${SIG}` };
      const unreachable = await failure(teamsTarget.open(closed, fakeOutbound(), incidentNotice()));
      expect(unreachable.retry).toBe('later');
      const refused = await failure(teamsTarget.open(closed, new NodeOutboundHttp(DEFAULT_OUTBOUND_POLICY), incidentNotice()));
      expect(refused.retry).toBe('never');
      for (const e of [unreachable, refused]) expect(e.answer).not.toContain(SIG);
    });

    it('lets an error that is not the network\'s through: a bug is not a delivery failure', async () => {
      await expect(teamsTarget.open(config, stubHttp(new TypeError('boom')).http, incidentNotice())).rejects.toThrow(TypeError);
    });
  });
});
