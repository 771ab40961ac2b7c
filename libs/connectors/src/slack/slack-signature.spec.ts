import { createHmac } from 'node:crypto';
import { parseSlackBlockActions, verifySlackSignature } from './slack-signature';

/** The worked example in Slack's "Verifying requests from Slack" (a slash command body): secret, timestamp, body and signature as published. */
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const DOC_NOW = Number(DOC_TIMESTAMP) * 1000;

const SECRET = 'slack-signing-secret';
const NOW = Date.parse('2026-12-03T10:00:00Z');
const sign = (body: string, timestamp: string, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
const headers = (timestamp: string | undefined, signature: string | undefined) => ({
  ...(timestamp === undefined ? {} : { 'x-slack-request-timestamp': timestamp }),
  ...(signature === undefined ? {} : { 'x-slack-signature': signature }),
});

/** A block_actions payload as Slack sends a button click, form-encoded. */
function clickBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
const CLICK = {
  type: 'block_actions',
  team: { id: 'T0001', domain: 'acme' },
  user: { id: 'U0001', username: 'ana', name: 'ana', team_id: 'T0001' },
  api_app_id: 'A0001',
  container: { type: 'message', message_ts: '1764756000.000100', channel_id: 'C0INCIDENTS', is_ephemeral: false },
  trigger_id: '1.2.3',
  channel: { id: 'C0INCIDENTS', name: 'incidents' },
  message: { type: 'message', ts: '1764756000.000100', text: 'x' },
  response_url: 'https://hooks.slack.com/actions/T0001/1/x',
  actions: [{ action_id: 'tributary_acknowledge', block_id: 'b', value: '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01', type: 'button', action_ts: '1764756001.000200' }],
};

describe('verifySlackSignature', () => {
  describe('a valid signature', () => {
    it("accepts Slack's documented example", () => {
      expect(verifySlackSignature(Buffer.from(DOC_BODY), headers(DOC_TIMESTAMP, DOC_SIGNATURE), DOC_SECRET, DOC_NOW)).toBe('verified');
    });

    it('accepts a signed click, up to 5 minutes either side of now, and upper-case hex', () => {
      const body = clickBody(CLICK);
      const ts = String(NOW / 1000);
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts)), SECRET, NOW)).toBe('verified');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts)), SECRET, NOW + 300_000)).toBe('verified');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts)), SECRET, NOW - 300_000)).toBe('verified');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, `v0=${sign(body, ts).slice(3).toUpperCase()}`), SECRET, NOW)).toBe('verified');
    });
  });

  describe('refusals', () => {
    const body = clickBody(CLICK);
    const ts = String(NOW / 1000);

    it('refuses a signature made with another secret', () => {
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts, 'another-secret')), SECRET, NOW)).toBe('invalid');
      expect(verifySlackSignature(Buffer.from(DOC_BODY), headers(DOC_TIMESTAMP, DOC_SIGNATURE), SECRET, DOC_NOW)).toBe('invalid');
    });

    it('refuses a request without its headers, or with malformed ones', () => {
      expect(verifySlackSignature(Buffer.from(body), headers(undefined, sign(body, ts)), SECRET, NOW)).toBe('invalid');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, undefined), SECRET, NOW)).toBe('invalid');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts).slice(3)), SECRET, NOW)).toBe('invalid');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, `v1=${sign(body, ts).slice(3)}`), SECRET, NOW)).toBe('invalid');
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts).slice(0, -2)), SECRET, NOW)).toBe('invalid');
      expect(verifySlackSignature(Buffer.from(body), headers(`${ts}.5`, sign(body, `${ts}.5`)), SECRET, NOW)).toBe('invalid');
    });

    it('says stale for a correctly signed timestamp more than 5 minutes old or ahead', () => {
      const old = String(NOW / 1000 - 301);
      const ahead = String(NOW / 1000 + 301);
      expect(verifySlackSignature(Buffer.from(body), headers(old, sign(body, old)), SECRET, NOW)).toBe('stale');
      expect(verifySlackSignature(Buffer.from(body), headers(ahead, sign(body, ahead)), SECRET, NOW)).toBe('stale');
      expect(verifySlackSignature(Buffer.from(DOC_BODY), headers(DOC_TIMESTAMP, DOC_SIGNATURE), DOC_SECRET, NOW)).toBe('stale');
    });

    it('says invalid, not stale, for an old timestamp signed with another secret: only the secret\'s holder learns it was late', () => {
      const old = String(NOW / 1000 - 301);
      expect(verifySlackSignature(Buffer.from(body), headers(old, sign(body, old, 'another-secret')), SECRET, NOW)).toBe('invalid');
    });

    it('refuses a tampered body, or a signature moved to another timestamp', () => {
      const tampered = clickBody({ ...CLICK, actions: [{ ...CLICK.actions[0], action_id: 'tributary_resolve' }] });
      expect(verifySlackSignature(Buffer.from(tampered), headers(ts, sign(body, ts)), SECRET, NOW)).toBe('invalid');
      const later = String(NOW / 1000 + 1);
      expect(verifySlackSignature(Buffer.from(body), headers(later, sign(body, ts)), SECRET, NOW)).toBe('invalid');
    });

    it('verifies nothing with an empty secret', () => {
      expect(verifySlackSignature(Buffer.from(body), headers(ts, sign(body, ts, '')), '', NOW)).toBe('invalid');
    });
  });
});

describe('parseSlackBlockActions', () => {
  it('reads who clicked which button, on which message', () => {
    expect(parseSlackBlockActions(clickBody(CLICK))).toEqual({
      ok: true,
      value: {
        userId: 'U0001', userName: 'ana',
        actions: [{ actionId: 'tributary_acknowledge', value: '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01', actionTs: '1764756001.000200' }],
        channel: 'C0INCIDENTS', messageTs: '1764756000.000100',
      },
    });
  });

  it('reads a Buffer as the intake hands it over', () => {
    expect(parseSlackBlockActions(Buffer.from(clickBody(CLICK))).ok).toBe(true);
  });

  it('is liberal about optional fields: the container, a name for a handle, no value, nothing at all', () => {
    const { channel: _channel, message: _message, ...rest } = CLICK;
    const sparse = { ...rest, user: { id: 'U0002', name: 'bo' }, actions: [{ action_id: 'tributary_resolve' }] };
    expect(parseSlackBlockActions(clickBody(sparse))).toEqual({
      ok: true, value: { userId: 'U0002', userName: 'bo', actions: [{ actionId: 'tributary_resolve', value: null, actionTs: null }], channel: 'C0INCIDENTS', messageTs: '1764756000.000100' },
    });
    const bare = { type: 'block_actions', user: { id: 'U0003' }, actions: [{ action_id: 'x' }], channel: null };
    expect(parseSlackBlockActions(clickBody(bare))).toEqual({
      ok: true, value: { userId: 'U0003', userName: null, actions: [{ actionId: 'x', value: null, actionTs: null }], channel: null, messageTs: null },
    });
  });

  it('refuses a body without payload, a payload that is not JSON, and other payload types', () => {
    expect(parseSlackBlockActions('text=hello')).toEqual({ ok: false, malformed: true, reason: 'the body has no payload field' });
    expect(parseSlackBlockActions('payload=%7Bnot-json')).toEqual({ ok: false, malformed: true, reason: 'the payload is not JSON' });
    const submission = parseSlackBlockActions(clickBody({ ...CLICK, type: 'view_submission' }));
    expect(submission).toMatchObject({ ok: false, malformed: false });
    expect(!submission.ok && submission.reason).toMatch(/^the payload is not a block_actions payload \(type: /);
    expect(parseSlackBlockActions(clickBody({ ...CLICK, actions: [] })).ok).toBe(false);
    expect(parseSlackBlockActions(clickBody({ ...CLICK, user: {} })).ok).toBe(false);
  });
});
