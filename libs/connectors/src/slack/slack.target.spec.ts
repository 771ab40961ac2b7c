import { inspect } from 'node:util';
import { SLACK_FAKE_CHANNELS, SlackFake, startSlackFake } from '../../../../test/support/fakes/slack-fake';
import { describeTargetContract, fakeOutbound, incidentNotice, targetError } from '../target-connector.contract';
import { DeliveryRef } from '../target-connector';
import { SlackConfig, slackTarget } from './slack.target';

describeTargetContract('slack (bot token)', slackTarget, () => startSlackFake({ rateLimit: false }), true);
describeTargetContract('slack (incoming webhook)', slackTarget, () => startSlackFake({ mode: 'webhook', rateLimit: false }), false);

const http = fakeOutbound();
const [incidents, alerts] = SLACK_FAKE_CHANNELS;


/** The issues' messages when the config is refused, joined; '' when it is accepted. */
function refusal(config: unknown): string {
  const parsed = SlackConfig.safeParse(config);
  return parsed.success ? '' : parsed.error.issues.map((i) => [...i.path, i.message].join(': ')).join('; ');
}

describe('slackTarget', () => {
  describe('config', () => {
    it('accepts a bot token with a channel id or #name, and fills in the Web API URL', () => {
      expect(SlackConfig.parse({ botToken: 'xoxb-1-2-abc', channel: 'C0123ABC' })).toEqual({ botToken: 'xoxb-1-2-abc', channel: 'C0123ABC', apiUrl: 'https://slack.com/api/' });
      expect(refusal({ botToken: 'xoxb-1-2-abc', channel: '#data-incidents' })).toBe('');
      expect(refusal({ botToken: 'xoxb-1-2-abc', channel: 'G0PRIVATE1' })).toBe('');
    });

    it('accepts an incoming webhook URL', () => {
      expect(refusal({ webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX' })).toBe('');
    });

    it('refuses a bot token without a channel, naming what to give', () => {
      expect(refusal({ botToken: 'xoxb-1-2-abc' })).toBe('channel: give channel: the channel to post in: its id (C…) or #name');
    });

    it('refuses a token that is not a bot token, saying why', () => {
      expect(refusal({ botToken: 'xoxp-1-2-abc', channel: 'C0123ABC' })).toBe(
        'botToken: botToken must be a Slack bot token (xoxb-…): user (xoxp-) and app-level (xapp-) tokens cannot post as the app');
      expect(refusal({ channel: 'C0123ABC' })).toBe('botToken: give botToken: the app\'s bot token (xoxb-…)');
    });

    it('refuses a channel that is neither an id nor a #name', () => {
      expect(refusal({ botToken: 'xoxb-1-2-abc', channel: 'data incidents' })).toBe('channel: channel must be a channel id (C…, or G… for a private channel) or #channel-name');
    });

    it('refuses a config with neither mode, or both', () => {
      expect(refusal({})).toBe('give either botToken and channel (to post as a Slack app) or webhookUrl (an incoming webhook)');
      expect(refusal({ botToken: 'xoxb-1-2-abc', channel: 'C0123ABC', webhookUrl: 'https://hooks.slack.com/services/T/B/X' })).toMatch(/, not both$/);
      expect(refusal(null)).toMatch(/^the Slack config must be an object/);
    });

    it('refuses a webhook URL that is not an incoming webhook, and unknown fields', () => {
      expect(refusal({ webhookUrl: 'https://hooks.slack.com/workflows/T/A/1/x' })).toMatch(/^webhookUrl: webhookUrl must be an incoming webhook URL/);
      expect(refusal({ webhookUrl: 'https://hooks.slack.com/services/T/B/X', channel: 'C0123ABC' })).not.toBe('');
      expect(refusal({ botToken: 'xoxb-1-2-abc', channel: 'C0123ABC', token: 'x' })).not.toBe('');
    });

    it('declares its secrets and the URLs they are sent to', () => {
      expect(slackTarget.secretPaths).toEqual(['botToken', 'webhookUrl']);
      expect(slackTarget.outboundUrls.map((u) => [u.path, u.secretPaths, u.target.hosts])).toEqual([
        ['apiUrl', ['botToken'], ['slack.com', 'hooks.slack.com']],
        ['webhookUrl', [], ['slack.com', 'hooks.slack.com']],
      ]);
    });
  });

  describe('rateLimit', () => {
    const bot = (channel: string, botToken = 'xoxb-1-2-abc') => SlackConfig.parse({ botToken, channel });

    it('is one message a second, per channel of a workspace, per webhook', () => {
      const a = slackTarget.rateLimit(bot('C0123ABC'));
      expect(a.minIntervalMs).toBe(1000);
      expect(slackTarget.rateLimit(bot('C0123ABC')).key).toBe(a.key);
      expect(slackTarget.rateLimit(bot('C0456DEF')).key).not.toBe(a.key);
      expect(slackTarget.rateLimit(bot('C0123ABC', 'xoxb-other-workspace')).key).not.toBe(a.key);
      const hook = slackTarget.rateLimit({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' });
      expect(hook.minIntervalMs).toBe(1000);
      expect(hook.key).not.toBe(slackTarget.rateLimit({ webhookUrl: 'https://hooks.slack.com/services/T/B/Y' }).key);
    });

    it('names no secret in its key', () => {
      expect(slackTarget.rateLimit(bot('C0123ABC')).key).not.toContain('xoxb-1-2-abc');
      expect(slackTarget.rateLimit({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' }).key).not.toContain('services/T/B/X');
    });
  });

  describe('against the fake with its rate limit on', () => {
    let clock: number;
    let fake: SlackFake;
    const tick = (ms: number) => {
      clock += ms;
    };

    afterEach(async () => {
      await fake.stop();
    });

    it('gets a 429 for a second message to a channel within a second, as `after` 1 s, and nothing posted', async () => {
      clock = Date.parse('2026-12-03T10:00:00Z');
      fake = await startSlackFake({ now: () => clock });
      await slackTarget.open(fake.config, http, incidentNotice());
      tick(999);
      const limited = await targetError(slackTarget.open(fake.config, http, incidentNotice()));
      expect([limited.retry, limited.retryAfterMs, limited.answer]).toEqual(['after', 1000, 'HTTP 429 ratelimited']);
      expect(fake.rateLimitedCount()).toBe(1);
      expect(fake.messages()).toHaveLength(1);
    });

    it('limits each channel on its own, and lets the next message through a second later', async () => {
      clock = Date.parse('2026-12-03T10:00:00Z');
      fake = await startSlackFake({ now: () => clock });
      await slackTarget.open(fake.config, http, incidentNotice());
      await slackTarget.open({ ...fake.config, channel: `#${alerts.name}` } as SlackConfig, http, incidentNotice());
      tick(1000);
      await slackTarget.open(fake.config, http, incidentNotice());
      expect(fake.rateLimitedCount()).toBe(0);
      expect([fake.messages(incidents.id).length, fake.messages(alerts.id).length]).toEqual([2, 1]);
    });

    it('limits an incoming webhook too', async () => {
      clock = Date.parse('2026-12-03T10:00:00Z');
      fake = await startSlackFake({ mode: 'webhook', now: () => clock });
      await slackTarget.open(fake.config, http, incidentNotice());
      const limited = await targetError(slackTarget.test(fake.config, http));
      expect([limited.retry, limited.retryAfterMs, limited.answer]).toEqual(['after', 1000, '429 rate_limited']);
      expect(fake.rateLimitedCount()).toBe(1);
    });
  });

  describe('bot mode', () => {
    let fake: SlackFake;
    beforeEach(async () => {
      fake = await startSlackFake({ rateLimit: false });
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('opens a message and gives its channel id (for a #name too) and ts as the ref', async () => {
      const answer = await slackTarget.open(fake.config, http, incidentNotice());
      const [message] = fake.messages();
      expect(answer).toEqual({ answer: `ok ${incidents.id} ${message!.ts}`, ref: { channel: incidents.id, ts: message!.ts } });
      expect(message!.versions[0]!.plain).toContain('Acknowledge');
    });

    it('edits the same message (same ts) and replies in its thread with what changed', async () => {
      const { ref } = await slackTarget.open(fake.config, http, incidentNotice());
      const answer = await slackTarget.update(fake.config, http, ref, incidentNotice({ change: 'updated', severity: 'SEV-2', rawStatus: 'investigating' }));
      expect(answer.ref).toEqual(ref);
      const messages = fake.messages();
      expect(messages).toHaveLength(1);
      expect(messages[0]!.ts).toBe(ref!.ts);
      expect(messages[0]!.versions).toHaveLength(2);
      expect(messages[0]!.versions[1]!.plain).toContain('[SEV-2] Freshness anomaly on ORDERS');
      expect(messages[0]!.versions[1]!.plain).toContain('Open (investigating)');
      expect(messages[0]!.replies.map((r) => r.text)).toEqual(['Updated 2026-12-03 10:00:00 UTC: severity SEV-2, status Open (investigating)']);
    });

    it('removes the buttons once resolved, and says Resolved', async () => {
      const { ref } = await slackTarget.open(fake.config, http, incidentNotice());
      expect(JSON.stringify(fake.messages()[0]!.versions[0]!.blocks)).toContain('tributary_resolve');
      await slackTarget.update(fake.config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }));
      const [message] = fake.messages();
      const latest = message!.versions[message!.versions.length - 1]!;
      expect(latest.blocks.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
      expect(JSON.stringify(latest.blocks)).not.toContain('tributary_');
      expect(latest.plain).toContain('Resolved: [SEV-1] Freshness anomaly on ORDERS');
      expect(message!.replies[0]!.text).toMatch(/^Resolved /);
      expect(fake.items()[0]!.resolved).toBe(true);
    });

    it('posts a new message for a change without a ref', async () => {
      const answer = await slackTarget.update(fake.config, http, null, incidentNotice({ change: 'updated' }));
      expect(fake.messages()).toHaveLength(1);
      expect(answer.ref).toEqual({ channel: incidents.id, ts: fake.messages()[0]!.ts });
    });

    it('calls a ref without channel or ts, or one naming no message, permanent', async () => {
      const unusable: DeliveryRef[] = [{ channel: incidents.id }, { ts: '1.000001' }, { channel: '', ts: '' }];
      for (const ref of unusable) {
        const error = await targetError(slackTarget.update(fake.config, http, ref, incidentNotice({ change: 'updated' })));
        expect(error.retry).toBe('never');
      }
      const gone = await targetError(slackTarget.update(fake.config, http, { channel: incidents.id, ts: '1.000001' }, incidentNotice({ change: 'updated' })));
      expect([gone.retry, gone.answer]).toEqual(['never', 'message_not_found']);
      expect(fake.messages()).toHaveLength(0);
    });

    it('posts a digest as one message, and a test message naming where it went', async () => {
      await slackTarget.digest(fake.config, http, { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:01:00Z'), incidents: [incidentNotice()] });
      const answer = await slackTarget.test(fake.config, http);
      const [digest, test] = fake.messages();
      expect(digest!.versions[0]!.plain).toMatch(/^1 incident between/);
      expect(answer.answer).toBe(`ok ${incidents.id} ${test!.ts}`);
    });

    it.each(['not_in_channel', 'invalid_auth', 'missing_scope', 'invalid_blocks', 'account_inactive', 'token_revoked', 'is_archived', 'some_code_slack_adds_later'])(
      'calls ok:false %s permanent, with the code as the answer',
      async (code) => {
        fake.slackErrorNext(code);
        const error = await targetError(slackTarget.open(fake.config, http, incidentNotice()));
        expect([error.retry, error.answer, error.retryAfterMs]).toEqual(['never', code, null]);
      },
    );

    it.each(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])('calls ok:false %s (Slack\'s own trouble) retryable later', async (code) => {
      fake.slackErrorNext(code);
      expect((await targetError(slackTarget.open(fake.config, http, incidentNotice()))).retry).toBe('later');
    });

    it('calls an unknown channel permanent', async () => {
      const error = await targetError(slackTarget.open({ ...fake.config, channel: '#nowhere' } as SlackConfig, http, incidentNotice()));
      expect([error.retry, error.answer]).toEqual(['never', 'channel_not_found']);
    });

    it('calls a failing edit retryable like any call: a 5xx on chat.update is later', async () => {
      const { ref } = await slackTarget.open(fake.config, http, incidentNotice());
      fake.failNext({ kind: 'server_error' });
      const error = await targetError(slackTarget.update(fake.config, http, ref, incidentNotice({ change: 'updated' })));
      expect([error.retry, error.answer]).toEqual(['later', 'HTTP 500']);
      expect(fake.messages()[0]!.versions).toHaveLength(1);
    });

    it('does not call an API URL the outbound policy refuses', async () => {
      const config = { ...fake.config, apiUrl: 'https://slack.example.net/api/' } as SlackConfig;
      const error = await targetError(slackTarget.open(config, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer).toContain('slack.example.net is not allowed for slack');
    });

    it('never puts the token in a TargetError, whatever failed', async () => {
      const token = (fake.config as { botToken: string }).botToken;
      const errors = [
        await targetError(slackTarget.open({ ...fake.config, botToken: `${token}x` } as SlackConfig, http, incidentNotice())),
        await targetError(slackTarget.open({ ...fake.config, apiUrl: `https://${token}.example/api/` } as SlackConfig, http, incidentNotice())),
      ];
      for (const fault of [{ kind: 'server_error' }, { kind: 'rate_limited', retryAfterSeconds: 3 }, { kind: 'permanent' }, { kind: 'hang' }] as const) {
        fake.failNext(fault);
        errors.push(await targetError(slackTarget.open(fake.config, http, incidentNotice())));
      }
      expect(errors[0]!.answer).toBe('invalid_auth');
      for (const error of errors) {
        expect(error.answer).not.toContain(token);
        expect(inspect(error, { depth: 10 })).not.toContain(token);
      }
    });
  });

  describe('incoming-webhook mode', () => {
    let fake: SlackFake;
    beforeEach(async () => {
      fake = await startSlackFake({ mode: 'webhook', rateLimit: false });
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('posts a new message for every change, and makes no ref', async () => {
      const opened = await slackTarget.open(fake.config, http, incidentNotice());
      const updated = await slackTarget.update(fake.config, http, { channel: incidents.id, ts: '1.000001' }, incidentNotice({ change: 'resolved', status: 'resolved' }));
      expect([opened, updated]).toEqual([{ answer: '200 ok', ref: null }, { answer: '200 ok', ref: null }]);
      expect(fake.items().map((i) => i.resolved)).toEqual([false, true]);
    });

    it('reads its plain-text errors: 4xx permanent, 5xx later, with status and code and no webhook URL', async () => {
      const webhookUrl = (fake.config as { webhookUrl: string }).webhookUrl;
      fake.failNext({ kind: 'permanent' });
      const permanent = await targetError(slackTarget.open(fake.config, http, incidentNotice()));
      fake.failNext({ kind: 'server_error' });
      const server = await targetError(slackTarget.open(fake.config, http, incidentNotice()));
      const unknownHook = await targetError(slackTarget.open({ webhookUrl: `${webhookUrl}YY` }, http, incidentNotice()));
      expect([permanent.retry, permanent.answer]).toEqual(['never', '404 channel_not_found']);
      expect([server.retry, server.answer]).toEqual(['later', '500 rollup_error']);
      expect([unknownHook.retry, unknownHook.answer]).toEqual(['never', '404 no_service']);
      for (const error of [permanent, server, unknownHook]) expect(inspect(error, { depth: 10 })).not.toContain('/services/');
    });
  });

  describe('the fake', () => {
    let fake: SlackFake;
    beforeEach(async () => {
      fake = await startSlackFake({ rateLimit: false });
    });
    afterEach(async () => {
      await fake.stop();
    });
    const call = (method: string, body: unknown, token = (fake.config as { botToken: string }).botToken) =>
      fetch(`${fake.url}/api/${method}`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

    it('takes JSON bodies, and answers errors as HTTP 200 ok:false', async () => {
      const posted = await call('chat.postMessage', { channel: incidents.id, text: 'hello' });
      expect(posted).toEqual({ status: 200, body: expect.objectContaining({ ok: true, channel: incidents.id, ts: expect.stringMatching(/^\d+\.\d{6}$/) }) });
      expect(await call('chat.postMessage', { channel: incidents.id, text: 'hello' }, 'xoxb-wrong')).toEqual({ status: 200, body: { ok: false, error: 'invalid_auth' } });
      expect((await call('chat.postMessage', { channel: 'C0NOWHERE', text: 'hello' })).body).toEqual({ ok: false, error: 'channel_not_found' });
      expect((await call('chat.update', { channel: '#incidents', ts: posted.body.ts, text: 'edited' })).body).toEqual({ ok: false, error: 'channel_not_found' });
      expect(fake.messages().map((m) => m.versions.map((v) => v.text))).toEqual([['hello']]);
    });

    it('refuses blocks over Block Kit\'s limits, as Slack does', async () => {
      const answer = await call('chat.postMessage', { channel: incidents.id, text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] });
      expect(answer.body).toEqual({ ok: false, error: 'invalid_blocks', errors: ['[ERROR] must be 1 to 150 characters [json-pointer:/blocks/0/text/text]'] });
      expect(fake.messages()).toHaveLength(0);
    });
  });
});
